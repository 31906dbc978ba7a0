// The `setup:` and `iteration:` step lists of a scenario: one parser for every step kind, with
// its short form (`- click: "#next"`), its mapping form and the checks of each.
#pragma once

#include <string>
#include <vector>

#include "harness/scenario/scenario.hpp"
#include "harness/scenario/variables.hpp"
#include "harness/scenario/yaml_reader.hpp"

namespace harness {

// The steps of `node` (a list); `where` names the list in messages ("iteration", "frame steps").
// Problems go to `v`; ${name} references are checked against `scope`.
std::vector<Step> parse_steps(Validator& v, VariableScope& scope, const YAML::Node& node,
                              const std::string& where);

}  // namespace harness
