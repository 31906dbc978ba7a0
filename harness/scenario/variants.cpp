#include "harness/scenario/variants.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/sub_delim_chars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>

#include "harness/error.hpp"
#include "harness/scenario/variables.hpp"

namespace harness {

std::string VariantAssignment::label() const { return variant_label(values); }

std::map<std::string, std::string> VariantAssignment::as_map() const {
  return {values.begin(), values.end()};
}

std::pair<std::string, std::vector<std::string>> parse_variant_pin(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    throw InputError(fmt::format("--variant '{}' must be name=value (or name=v1,v2)", text));
  }
  std::vector<std::string> values;
  std::string rest = text.substr(eq + 1);
  std::size_t start = 0;
  while (start <= rest.size()) {
    const auto comma = rest.find(',', start);
    const std::string value = rest.substr(start, comma == std::string::npos ? std::string::npos
                                                                            : comma - start);
    if (value.empty()) throw InputError(fmt::format("--variant '{}' has an empty value", text));
    values.push_back(value);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return {text.substr(0, eq), values};
}

std::vector<VariantAssignment> expand_variants(const Scenario& scenario, const VariantPins& pins) {
  for (const auto& [name, values] : pins) {
    const bool declared = std::any_of(scenario.variants.begin(), scenario.variants.end(),
                                      [&](const Variant& v) { return v.name == name; });
    if (!declared) {
      std::string known;
      for (const auto& v : scenario.variants) known += (known.empty() ? "" : ", ") + v.name;
      throw InputError(fmt::format("--variant {}: scenario '{}' has no variant '{}' (it has: {})",
                                   name, scenario.name, name, known.empty() ? "none" : known));
    }
  }
  std::vector<VariantAssignment> combos{VariantAssignment{}};
  for (const auto& variant : scenario.variants) {
    auto pinned = pins.find(variant.name);
    const auto& values = pinned != pins.end() ? pinned->second : variant.values;
    std::vector<VariantAssignment> next;
    for (const auto& combo : combos) {
      for (const auto& value : values) {
        VariantAssignment extended = combo;
        extended.values.emplace_back(variant.name, value);
        next.push_back(std::move(extended));
      }
    }
    combos = std::move(next);
  }
  return combos;
}

void add_component_switches(Scenario& scenario, const VariantPins& switches) {
  for (const auto& [name, values] : switches) {
    const bool declared =
        std::any_of(scenario.components.begin(), scenario.components.end(),
                    [&](const Component& c) { return c.name == name; });
    if (!declared) {
      std::string known;
      for (const auto& c : scenario.components) known += (known.empty() ? "" : ", ") + c.name;
      throw InputError(fmt::format("component switch {}: scenario '{}' has no component '{}' "
                                   "(it has: {})",
                                   name, scenario.name, name, known.empty() ? "none" : known));
    }
    for (const auto& value : values) {
      if (value != "on" && value != "off") {
        throw InputError(fmt::format("component switch {}: '{}' is not on or off", name, value));
      }
    }
    Variant variant;
    variant.name = name;
    variant.values = values;
    auto existing = std::find_if(scenario.variants.begin(), scenario.variants.end(),
                                 [&](const Variant& v) { return v.name == name; });
    if (existing != scenario.variants.end()) *existing = variant;  // the later switch wins
    else scenario.variants.push_back(std::move(variant));
  }
}

std::vector<const Component*> active_components(const Scenario& scenario,
                                                const VariantAssignment& variant) {
  std::vector<const Component*> out;
  for (const auto& c : scenario.components) {
    const bool off = std::any_of(variant.values.begin(), variant.values.end(),
                                 [&](const auto& kv) { return kv.first == c.name && kv.second == "off"; });
    if (!off) out.push_back(&c);
  }
  return out;
}

std::string substitute(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  std::size_t pos = 0;
  for (const auto& ref : find_variables(text)) {
    out.append(text.substr(pos, ref.begin - pos));
    auto it = vars.find(std::string(ref.name));
    if (it != vars.end()) out += it->second;
    else out.append(text.substr(ref.begin, ref.end - ref.begin));
    pos = ref.end;
  }
  out.append(text.substr(pos));
  return out;
}

namespace urls = boost::urls;

namespace {

// Every character RFC 3986 allows in a path, query or fragment, and '%' for escapes.
constexpr urls::grammar::lut_chars kUriChars =
    urls::unreserved_chars + urls::sub_delim_chars + urls::grammar::lut_chars(":/?#@%");
// The same with '[' and ']', which may only delimit an IPv6 host.
constexpr urls::grammar::lut_chars kUriCharsAndBrackets =
    kUriChars + urls::grammar::lut_chars("[]");

// A URI reference from a scenario, which may carry what a browser accepts but RFC 3986 does not
// (a space or a brace from a variant value): those characters are percent-encoded first, as a
// browser's URL parser does; brackets too when they are not an IPv6 host. Throws InputError when
// it is still not a URI reference.
urls::url parse_reference(std::string_view text, const char* what) {
  if (auto parsed = urls::parse_uri_reference(text)) return urls::url(*parsed);
  for (const auto& allowed : {kUriCharsAndBrackets, kUriChars}) {
    const std::string escaped = urls::encode(text, allowed);
    if (auto parsed = urls::parse_uri_reference(escaped)) return urls::url(*parsed);
  }
  throw InputError(fmt::format("{} '{}' is not a URL", what, text));
}

// Boost.URL 1.81 departs from RFC 3986 §5.2 in two places (later releases follow it): a ".."
// above the root stays in the path ("http://a/../g"; §5.2.4 removes it: "http://a/g"), and a
// reference without a fragment keeps the base's when its path is empty (§5.2.2: T.fragment =
// R.fragment, always).
void follow_rfc3986(urls::url& out, const urls::url& reference) {
  if (out.is_path_absolute()) {
    auto segments = out.encoded_segments();
    while (!segments.empty() && segments.front() == "..") segments.erase(segments.begin());
  }
  if (!reference.has_fragment()) out.remove_fragment();
}

}  // namespace

std::string escape_url(std::string_view text) { return urls::encode(text, kUriChars); }

std::string query_encode(const std::string& text) {
  return urls::encode(text, urls::unreserved_chars);
}

std::string resolve_url(const std::string& base, const std::string& target) {
  const urls::url reference = parse_reference(target, "URL");
  urls::url out;
  if (reference.has_scheme()) {
    // Absolute already: §5.2.2 only removes its dot segments.
    out = reference;
    out.normalize_path();
  } else {
    const urls::url base_url = parse_reference(base, "base URL");
    if (auto ok = urls::resolve(base_url, reference, out); !ok) {
      throw InputError(fmt::format("cannot resolve '{}' against '{}': {}", target, base,
                                   ok.error().message()));
    }
  }
  follow_rfc3986(out, reference);
  return std::string(out.buffer());
}

std::string start_url(const Scenario& scenario, const VariantAssignment& variant,
                      const std::string& base_url) {
  urls::url url(resolve_url(base_url, substitute(scenario.start, variant.as_map())));
  for (const auto& [name, value] : variant.values) {
    if (!scenario.unreferenced_variants.count(name)) continue;
    url.encoded_params().append({query_encode(name), query_encode(value)});
  }
  return std::string(url.buffer());
}

}  // namespace harness
