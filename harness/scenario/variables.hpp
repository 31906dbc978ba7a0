// ${name} references in a scenario's strings: the one scanner that finds them (the loader checks
// the names, variants.hpp substitutes the values), and the check of every name against the
// scenario's variants and the built-in variables.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario/yaml_reader.hpp"

namespace harness {

// Variables the runner provides besides variants.
inline const std::vector<std::string> kBuiltinVariables = {"iteration"};

// One "${name}" in a text: [begin, end) covers it from '$' to '}'.
struct VariableReference {
  std::string_view name;
  std::size_t begin = 0;
  std::size_t end = 0;
};

// Every ${name} in `text`, in order; an unclosed "${" ends the scan (it and what follows are
// plain text).
std::vector<VariableReference> find_variables(std::string_view text);

// Names referenced as ${name} in `text`, in order of appearance.
std::vector<std::string> referenced_variables(std::string_view text);

// The names a scenario's strings may reference, and which ones they did.
class VariableScope {
 public:
  explicit VariableScope(Validator& v) : v_(v) {}

  void add_variant(const std::string& name) { variants_.push_back(name); }
  // Reports every ${name} in `text` that is neither a variant nor built in, at `at`.
  void check(const YAML::Node& at, const std::string& text);
  bool referenced(const std::string& name) const { return referenced_.count(name) > 0; }

 private:
  Validator& v_;
  std::vector<std::string> variants_;
  std::set<std::string> referenced_;
};

}  // namespace harness
