// Loads and validates a scenario file. The whole file is checked before any browser starts:
// every problem (YAML syntax, unknown key, wrong type, missing field, unknown ${variable}) is
// collected with its file:line:col and thrown at once as a ScenarioError.
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

// `harness matrix` input: scenarios × browsers × variants, one run per cell.
struct MatrixEntry {
  std::filesystem::path scenario;      // resolved against the matrix file's folder
  SourceLocation where;
  std::vector<std::string> browsers;   // empty: the scenario's
  std::vector<std::string> variants;   // pins, "name=v1,v2"
  std::string iterations;              // "" (the scenario's), a number, or "auto"
};

struct Matrix {
  std::filesystem::path file;
  std::string name;
  std::string description;
  std::vector<MatrixEntry> entries;
};

// Validates the matrix file itself (its scenarios are loaded by the caller). Throws
// ScenarioError / InputError like load_scenario.
Matrix load_matrix(const std::filesystem::path& file, const LoadOptions& options = {});

// The candidate closest to `word` by edit distance, if close enough to be a likely typo;
// empty otherwise. Used for "did you mean" hints.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// Names referenced as ${name} in `text`, in order of appearance.
std::vector<std::string> referenced_variables(std::string_view text);

}  // namespace harness
