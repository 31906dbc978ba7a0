// The generic part of validating a YAML file (scenario or matrix): diagnostics with
// file:line:col, mappings whose keys are checked against an allowed set, typed getters that say
// what was expected, and "did you mean" hints. Knows nothing of scenarios.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/error.hpp"

namespace harness {

// Collects the diagnostics of one file.
class Validator {
 public:
  explicit Validator(std::string file) : file_(std::move(file)) {}

  SourceLocation where(const YAML::Node& node) const { return where(node.Mark()); }
  SourceLocation where(const YAML::Mark& mark) const;
  void error(const SourceLocation& at, std::string message) {
    diagnostics_.push_back({at, std::move(message)});
  }
  void error(const YAML::Node& at, std::string message) { error(where(at), std::move(message)); }

  const std::string& file() const { return file_; }
  bool ok() const { return diagnostics_.empty(); }

  // Throws ScenarioError with every diagnostic, in file order (as an editor shows them), when
  // there is any.
  void throw_if_any();

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};

// The text of a scenario or matrix file (`what`); throws InputError when it cannot be read.
std::string read_yaml_file(const std::filesystem::path& file, std::string_view what);

// The document in `text`; a syntax error or an empty file (`what`: "scenario", "matrix") is
// thrown at once as a ScenarioError.
YAML::Node parse_yaml(std::string_view text, Validator& v, std::string_view what);

// "nothing", "a scalar", "a list", "a mapping": for "must be X, not Y" messages.
const char* node_type_name(const YAML::Node& node);

// A mapping whose keys are checked against the allowed set (unknown keys get a "did you mean"
// hint, repeated keys are errors); typed getters report wrong types at the value's position and
// missing required keys at the mapping's position.
class MapReader {
 public:
  MapReader(Validator& v, const YAML::Node& node, std::string context,
            std::vector<std::string> allowed);

  bool has(const std::string& key) const { return keys_.count(key) > 0; }
  YAML::Node get(const std::string& key) const { return node_[key]; }
  const YAML::Node& node() const { return node_; }
  const std::string& context() const { return context_; }
  Validator& validator() const { return v_; }

  void require(const std::string& key, const std::string& expected);

  // Each returns nullopt when the key is absent or its value is wrong (and reported).
  std::optional<std::string> string(const std::string& key, const std::string& expected);
  std::optional<int> integer(const std::string& key, int min, int max, const std::string& unit);
  std::optional<bool> boolean(const std::string& key);

  // Where the key itself is (for a value that is null and so has no position of its own).
  SourceLocation where_key(const std::string& key) const;

 private:
  Validator& v_;
  YAML::Node node_;
  std::string context_;
  std::vector<std::string> allowed_;
  std::map<std::string, YAML::Mark> keys_;
};

// "a, b, c".
std::string join_words(const std::vector<std::string>& words);

// The candidate closest to `word` by edit distance, if close enough to be a likely typo;
// empty otherwise. Used for "did you mean" hints.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" when closest_match finds one, "" otherwise.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace harness
