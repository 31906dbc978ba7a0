// Loads and validates a scenario file. The whole file is checked before any browser starts:
// every problem (YAML syntax, unknown key, wrong type, missing field, unknown ${variable}) is
// collected with its file:line:col and thrown at once as a ScenarioError. The parts: the generic
// YAML validation (yaml_reader.hpp), ${name} references (variables.hpp), the step lists
// (steps.hpp), keys shared with the matrix file (common_fields.hpp); matrix files: matrix.hpp.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario/scenario.hpp"

namespace harness {

struct LoadOptions {
  // Browser profile names the `browsers:` list may use (from the profile registry).
  std::vector<std::string> known_browsers{"chromium"};
};

// Throws ScenarioError (bad content) or InputError (file missing or unreadable).
Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options = {});

// Same, from text; `file` names it in messages and anchors a relative `serve:`.
Scenario parse_scenario(std::string_view text, const std::filesystem::path& file,
                        const LoadOptions& options = {});

}  // namespace harness
