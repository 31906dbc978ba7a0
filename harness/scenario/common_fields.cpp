#include "harness/scenario/common_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "harness/scenario/variables.hpp"

namespace harness {

std::vector<Variant> read_variants(Validator& v, const YAML::Node& node) {
  std::vector<Variant> variants;
  if (!node.IsMap()) {
    v.error(node, "variants must be a mapping of name: [values], e.g. retention: [none, ie11]");
    return variants;
  }
  static const std::regex kName("[A-Za-z_][A-Za-z0-9_]*");
  for (auto it = node.begin(); it != node.end(); ++it) {
    Variant variant;
    variant.name = it->first.Scalar();
    variant.where = v.where(it->first);
    if (!std::regex_match(variant.name, kName)) {
      v.error(it->first, fmt::format("variant name '{}' must be letters, digits and _",
                                     variant.name));
      continue;
    }
    if (std::find(kBuiltinVariables.begin(), kBuiltinVariables.end(), variant.name) !=
        kBuiltinVariables.end()) {
      v.error(it->first, fmt::format("'{}' is a built-in variable; pick another variant name",
                                     variant.name));
      continue;
    }
    const YAML::Node values = it->second;  // a copy: it->second lives in a temporary (ASan)
    if (values.IsScalar()) {
      variant.values.push_back(values.Scalar());
    } else if (values.IsSequence() && values.size() > 0) {
      for (const auto& value : values) {
        if (!value.IsScalar()) {
          v.error(value, fmt::format("values of variant '{}' must be plain words or numbers",
                                     variant.name));
          continue;
        }
        variant.values.push_back(value.Scalar());
      }
    } else {
      v.error(values.IsNull() ? variant.where : v.where(values),
              fmt::format("variant '{}' needs a value or a non-empty list of values",
                          variant.name));
      continue;
    }
    variants.push_back(std::move(variant));
  }
  return variants;
}

std::vector<std::string> read_browsers(Validator& v, const YAML::Node& node,
                                       const std::vector<std::string>& known) {
  std::vector<std::string> browsers;
  std::vector<YAML::Node> items;
  if (node.IsScalar()) {
    items.push_back(node);
  } else if (node.IsSequence()) {
    for (const auto& item : node) items.push_back(item);
  } else {
    v.error(node, fmt::format("browsers must be a list of profile names: {}", join_words(known)));
    return browsers;
  }
  for (const auto& item : items) {
    if (!item.IsScalar()) {
      v.error(item, "browsers must be a list of profile names");
      continue;
    }
    const std::string name = item.Scalar();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      v.error(item, fmt::format("unknown browser profile '{}'; known: {}{}", name,
                                join_words(known), did_you_mean(name, known)));
      continue;
    }
    browsers.push_back(name);
  }
  if (browsers.empty() && node.IsSequence() && node.size() == 0) {
    v.error(node, "browsers must name at least one profile");
  }
  return browsers;
}

std::optional<IterationCount> read_iterations(MapReader& m) {
  if (!m.has("iterations")) return std::nullopt;
  const YAML::Node node = m.get("iterations");
  if (node.IsScalar() && node.Scalar() == "auto") return IterationCount{true, 0};
  if (auto n = m.integer("iterations", 1, 1'000'000, "(or auto)")) return IterationCount{false, *n};
  return std::nullopt;
}

}  // namespace harness
