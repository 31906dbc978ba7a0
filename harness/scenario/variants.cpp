#include "harness/scenario/variants.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "harness/error.hpp"
#include "harness/scenario/variables.hpp"

namespace harness {

std::string VariantAssignment::label() const {
  std::string out;
  for (const auto& [name, value] : values) {
    if (!out.empty()) out += ',';
    out += name + "=" + value;
  }
  return out;
}

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

namespace {
std::string url_origin(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const auto path_start = url.find('/', scheme_end + 3);
  return path_start == std::string::npos ? url : url.substr(0, path_start);
}

}  // namespace

// Percent-encodes what may not appear raw in a query component.
std::string query_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string resolve_url(const std::string& base, const std::string& target) {
  if (target.find("://") != std::string::npos) return target;
  if (!target.empty() && target[0] == '/') return url_origin(base) + target;
  // Relative: strip base's query and last path segment.
  std::string folder = base.substr(0, base.find_first_of("?#"));
  const auto scheme_end = folder.find("://");
  const auto last_slash = folder.rfind('/');
  if (last_slash != std::string::npos && last_slash > scheme_end + 2) {
    folder = folder.substr(0, last_slash + 1);
  } else {
    folder += '/';
  }
  return folder + target;
}

std::string start_url(const Scenario& scenario, const VariantAssignment& variant,
                      const std::string& base_url) {
  std::string url = resolve_url(base_url, substitute(scenario.start, variant.as_map()));
  for (const auto& [name, value] : variant.values) {
    if (!scenario.unreferenced_variants.count(name)) continue;
    const auto fragment = url.find('#');
    std::string tail;
    if (fragment != std::string::npos) {
      tail = url.substr(fragment);
      url.erase(fragment);
    }
    url += (url.find('?') == std::string::npos ? '?' : '&');
    url += query_encode(name) + "=" + query_encode(value) + tail;
  }
  return url;
}

}  // namespace harness
