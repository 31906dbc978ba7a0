#include "harness/scenario/variables.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace harness {

std::vector<VariableReference> find_variables(std::string_view text) {
  std::vector<VariableReference> found;
  std::size_t pos = 0;
  while ((pos = text.find("${", pos)) != std::string_view::npos) {
    const std::size_t close = text.find('}', pos + 2);
    if (close == std::string_view::npos) break;
    found.push_back({text.substr(pos + 2, close - pos - 2), pos, close + 1});
    pos = close + 1;
  }
  return found;
}

std::vector<std::string> referenced_variables(std::string_view text) {
  std::vector<std::string> names;
  for (const auto& ref : find_variables(text)) names.emplace_back(ref.name);
  return names;
}

void VariableScope::check(const YAML::Node& at, const std::string& text) {
  for (const auto& name : referenced_variables(text)) {
    const bool builtin = std::find(kBuiltinVariables.begin(), kBuiltinVariables.end(), name) !=
                         kBuiltinVariables.end();
    const bool variant = std::find(variants_.begin(), variants_.end(), name) != variants_.end();
    if (!builtin && !variant) {
      std::vector<std::string> known = variants_;
      known.insert(known.end(), kBuiltinVariables.begin(), kBuiltinVariables.end());
      v_.error(at, fmt::format("${{{}}} is not a variant of this scenario; known: {}{}", name,
                               join_words(known), did_you_mean(name, known)));
    }
    referenced_.insert(name);
  }
}

}  // namespace harness
