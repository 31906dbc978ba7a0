// Keys a scenario file and a matrix file's runs share (`variants:`, `browsers:`, `iterations:`),
// read and checked the same way in both.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/scenario/scenario.hpp"
#include "harness/scenario/yaml_reader.hpp"

namespace harness {

// `variants: {name: value, name: [values]}`: names are identifiers and not built-in variables,
// values plain scalars, at least one per name. Returns the well-formed ones.
std::vector<Variant> read_variants(Validator& v, const YAML::Node& node);

// `browsers: name` or `browsers: [names]`, each one of `known` (with a "did you mean" hint).
// Returns the known ones.
std::vector<std::string> read_browsers(Validator& v, const YAML::Node& node,
                                       const std::vector<std::string>& known);

// `iterations: N` (1 to 1,000,000) or `iterations: auto`.
struct IterationCount {
  bool automatic = false;
  int count = 0;
};
std::optional<IterationCount> read_iterations(MapReader& m);

}  // namespace harness
