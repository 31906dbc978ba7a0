#include "harness/scenario/yaml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <tuple>

namespace harness {

SourceLocation Validator::where(const YAML::Mark& mark) const {
  if (mark.is_null()) return {file_, 0, 0};
  return {file_, mark.line + 1, mark.column + 1};
}

void Validator::throw_if_any() {
  if (diagnostics_.empty()) return;
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.where.line, a.where.column) <
                            std::tie(b.where.line, b.where.column);
                   });
  throw ScenarioError(std::move(diagnostics_));
}

std::string read_yaml_file(const std::filesystem::path& file, std::string_view what) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw InputError(fmt::format("cannot read {} '{}': {}", what, file.string(),
                                 std::filesystem::exists(file) ? "permission denied or not a file"
                                                               : "no such file"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

YAML::Node parse_yaml(std::string_view text, Validator& v, std::string_view what) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    v.error(v.where(e.mark), fmt::format("YAML syntax: {}", e.msg));
    v.throw_if_any();
  }
  if (root.IsNull()) {
    v.error(SourceLocation{v.file(), 1, 1}, fmt::format("the {} file is empty", what));
    v.throw_if_any();
  }
  return root;
}

const char* node_type_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "an undefined node";
  }
}

MapReader::MapReader(Validator& v, const YAML::Node& node, std::string context,
                     std::vector<std::string> allowed)
    : v_(v), node_(node), context_(std::move(context)), allowed_(std::move(allowed)) {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: it->first lives in a temporary (ASan)
    if (!key.IsScalar()) {
      v_.error(key, fmt::format("keys of {} must be plain words", context_));
      continue;
    }
    const std::string name = key.Scalar();
    if (std::find(allowed_.begin(), allowed_.end(), name) == allowed_.end()) {
      v_.error(key, fmt::format("unknown key '{}' in {}; expected one of: {}{}", name, context_,
                                join_words(allowed_), did_you_mean(name, allowed_)));
    }
    if (keys_.count(name)) v_.error(key, fmt::format("key '{}' appears twice in {}", name, context_));
    keys_[name] = key.Mark();
  }
}

void MapReader::require(const std::string& key, const std::string& expected) {
  if (!has(key)) v_.error(node_, fmt::format("{} is missing '{}' ({})", context_, key, expected));
}

std::optional<std::string> MapReader::string(const std::string& key, const std::string& expected) {
  if (!has(key)) return std::nullopt;
  YAML::Node value = get(key);
  if (!value.IsScalar()) {
    v_.error(value.IsNull() ? where_key(key) : v_.where(value),
             fmt::format("'{}' in {} must be {}, not {}", key, context_, expected,
                         node_type_name(value)));
    return std::nullopt;
  }
  return value.Scalar();
}

std::optional<int> MapReader::integer(const std::string& key, int min, int max,
                                      const std::string& unit) {
  if (!has(key)) return std::nullopt;
  YAML::Node value = get(key);
  const std::string expected =
      fmt::format("a whole number{} from {} to {}", unit.empty() ? "" : " of " + unit, min, max);
  if (!value.IsScalar()) {
    v_.error(value.IsNull() ? where_key(key) : v_.where(value),
             fmt::format("'{}' in {} must be {}, not {}", key, context_, expected,
                         node_type_name(value)));
    return std::nullopt;
  }
  long long number = 0;
  try {
    number = value.as<long long>();
  } catch (const YAML::Exception&) {
    v_.error(value, fmt::format("'{}' in {} must be {}, not '{}'", key, context_, expected,
                                value.Scalar()));
    return std::nullopt;
  }
  if (number < min || number > max) {
    v_.error(value, fmt::format("'{}' in {} must be {}, not {}", key, context_, expected, number));
    return std::nullopt;
  }
  return static_cast<int>(number);
}

std::optional<bool> MapReader::boolean(const std::string& key) {
  if (!has(key)) return std::nullopt;
  YAML::Node value = get(key);
  try {
    if (value.IsScalar()) return value.as<bool>();
  } catch (const YAML::Exception&) {
  }
  v_.error(value.IsNull() ? where_key(key) : v_.where(value),
           fmt::format("'{}' in {} must be true or false", key, context_));
  return std::nullopt;
}

SourceLocation MapReader::where_key(const std::string& key) const {
  auto it = keys_.find(key);
  return it == keys_.end() ? v_.where(node_) : v_.where(it->second);
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitution});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::string::npos;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  // A typo is at most a third of the word (at least 1, at most 3 edits).
  const std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  return best_distance <= limit ? best : std::string();
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string hint = closest_match(word, candidates);
  return hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint);
}

}  // namespace harness
