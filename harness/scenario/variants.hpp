// Variants: named values a scenario is run with (retention model, plugin version...). The
// runs of a scenario are the cartesian product of its variants' values, optionally pinned from
// the command line; ${name} in the scenario's strings is replaced by the run's value.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/model/variant.hpp"
#include "harness/scenario/scenario.hpp"

namespace harness {

// One combination, in the scenario's declaration order.
struct VariantAssignment {
  VariantValues values;

  // "retention=window,frames=iframe"; "" when the scenario has no variants.
  std::string label() const;
  std::map<std::string, std::string> as_map() const;
};

// `--variant name=value[,value...]`, already split.
using VariantPins = std::map<std::string, std::vector<std::string>>;

// Parses "name=v1,v2"; throws InputError when malformed.
std::pair<std::string, std::vector<std::string>> parse_variant_pin(const std::string& text);

// Every combination of the scenario's variant values, with pinned names restricted to the
// pinned values (which may lie outside the declared list). Throws InputError when a pin names a
// variant the scenario does not declare.
std::vector<VariantAssignment> expand_variants(const Scenario& scenario, const VariantPins& pins);

// Component switches (`--component name=on,off`, a matrix entry's `components: {name: [on,
// off]}`): each becomes a variant of the scenario named as the component (the loader keeps
// variant and component names apart; no ${name} can refer to it, so it is never a query
// parameter), so the switched runs are cells of their own ("audit-helper=off") with their own
// curves in one report. Throws
// InputError for a name the scenario does not declare as a component or a value not on/off.
void add_component_switches(Scenario& scenario, const VariantPins& switches);

// The components present in a run: every declared one but those its variant switches off.
std::vector<const Component*> active_components(const Scenario& scenario,
                                                const VariantAssignment& variant);

// Replaces every ${name} by vars[name]; unknown names are left as they are (the loader has
// already rejected them).
std::string substitute(std::string_view text, const std::map<std::string, std::string>& vars);

// The run's start URL: `start` with variables substituted, resolved against base_url (the served
// folder's URL) when relative, with unreferenced variants appended as query parameters.
std::string start_url(const Scenario& scenario, const VariantAssignment& variant,
                      const std::string& base_url);

// `target` resolved against `base` (an http URL ending in '/' or a page URL) by RFC 3986 §5.2
// (Boost.URL): absolute URLs are kept (dot segments removed), "/x" goes to the origin root, "x"
// is relative to base's folder, "?x" replaces base's query. Characters a browser accepts but the
// RFC does not (a space from a variant value) are percent-encoded first (escape_url). Throws
// InputError when either is still not a URL.
std::string resolve_url(const std::string& base, const std::string& target);

// A query parameter's value percent-encoded (everything but unreserved characters).
std::string query_encode(const std::string& text);

// `text`, a path and query, with every character RFC 3986 allows in neither percent-encoded
// ('%' is kept), as a browser does with what it is given: "a b|[c]" -> "a%20b%7C%5Bc%5D".
std::string escape_url(std::string_view text);

}  // namespace harness
