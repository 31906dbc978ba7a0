#include "harness/scenario/loader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <tuple>

#include "harness/model/units.hpp"

namespace harness {

namespace {

const std::vector<std::string> kStepKindNames = {
    "open", "click", "type", "select", "wait_for", "frame", "execute", "execute_async",
    "sleep", "gc", "reload", "screenshot"};

// Variables the runner provides besides variants.
const std::vector<std::string> kBuiltinVariables = {"iteration"};

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

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

// Collects diagnostics for one file.
class Validator {
 public:
  explicit Validator(std::string file) : file_(std::move(file)) {}

  SourceLocation where(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) return {file_, 0, 0};
    return {file_, mark.line + 1, mark.column + 1};
  }
  SourceLocation where(const YAML::Mark& mark) const {
    if (mark.is_null()) return {file_, 0, 0};
    return {file_, mark.line + 1, mark.column + 1};
  }
  void error(const SourceLocation& at, std::string message) {
    diagnostics_.push_back({at, std::move(message)});
  }
  void error(const YAML::Node& at, std::string message) { error(where(at), std::move(message)); }

  const std::string& file() const { return file_; }
  std::vector<Diagnostic>& diagnostics() { return diagnostics_; }

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};

const char* node_type_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "an undefined node";
  }
}

// A mapping whose keys are checked against the allowed set; typed getters report wrong types at
// the value's position and missing required keys at the mapping's position.
class MapReader {
 public:
  MapReader(Validator& v, const YAML::Node& node, std::string context,
            std::vector<std::string> allowed)
      : v_(v), node_(node), context_(std::move(context)), allowed_(std::move(allowed)) {
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      const YAML::Node& key = it->first;
      if (!key.IsScalar()) {
        v_.error(key, fmt::format("keys of {} must be plain words", context_));
        continue;
      }
      const std::string name = key.Scalar();
      if (std::find(allowed_.begin(), allowed_.end(), name) == allowed_.end()) {
        std::string hint = closest_match(name, allowed_);
        v_.error(key, fmt::format("unknown key '{}' in {}; expected one of: {}{}", name, context_,
                                  join(allowed_),
                                  hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
      }
      if (keys_.count(name)) v_.error(key, fmt::format("key '{}' appears twice in {}", name, context_));
      keys_[name] = key.Mark();
    }
  }

  bool has(const std::string& key) const { return keys_.count(key) > 0; }
  YAML::Node get(const std::string& key) const { return node_[key]; }
  const YAML::Node& node() const { return node_; }

  void require(const std::string& key, const std::string& expected) {
    if (!has(key)) {
      v_.error(node_, fmt::format("{} is missing '{}' ({})", context_, key, expected));
    }
  }

  std::optional<std::string> string(const std::string& key, const std::string& expected) {
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

  std::optional<int> integer(const std::string& key, int min, int max, const std::string& unit) {
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

  std::optional<bool> boolean(const std::string& key) {
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

  SourceLocation where_key(const std::string& key) const {
    auto it = keys_.find(key);
    return it == keys_.end() ? v_.where(node_) : v_.where(it->second);
  }

 private:
  Validator& v_;
  YAML::Node node_;
  std::string context_;
  std::vector<std::string> allowed_;
  std::map<std::string, YAML::Mark> keys_;
};

class ScenarioParser {
 public:
  ScenarioParser(Validator& v, const std::filesystem::path& file, const LoadOptions& options)
      : v_(v), file_(file), options_(options) {}

  Scenario parse(const YAML::Node& root) {
    Scenario s;
    s.file = file_;
    if (!root.IsMap()) {
      v_.error(root, fmt::format("a scenario must be a mapping of keys (name, start, iteration, "
                                 "...), not {}",
                                 node_type_name(root)));
      return s;
    }
    MapReader top(v_, root, "the scenario",
                  {"name", "description", "serve", "start", "setup", "iteration", "iterations",
                   "warmup", "checkpoint", "timeouts", "input", "browsers", "variants", "ceiling",
                   "max_iterations", "expect", "dumps", "reload_every", "restart_every", "drive"});
    top.require("name", "a short name, e.g. name: vtm-review");
    top.require("start", "the first page: a path under `serve`, or an absolute http:// URL");
    if (auto drive = top.string("drive", "driver or page")) {
      if (*drive == "driver") s.drive = DriveMode::kDriver;
      else if (*drive == "page") s.drive = DriveMode::kPage;
      else v_.error(top.get("drive"), fmt::format("drive must be driver or page, not '{}'", *drive));
    }
    if (s.drive == DriveMode::kDriver) {
      top.require("iteration", "the list of steps of one business transaction");
    } else {
      if (!top.has("serve")) {
        v_.error(top.node(), "drive: page needs `serve:`: the page posts its beacons to the "
                             "harness's own server, which must be its origin");
      }
      for (const char* key : {"setup", "iteration", "reload_every", "restart_every"}) {
        if (top.has(key)) {
          v_.error(top.where_key(key), fmt::format("'{}' does not apply with drive: page (the "
                                                   "page runs the workflow itself)",
                                                   key));
        }
      }
    }

    // Variants first: every other string is checked for ${name} references against them.
    if (top.has("variants")) parse_variants(top.get("variants"), s);

    if (auto name = top.string("name", "a short name")) s.name = *name;
    if (auto d = top.string("description", "text")) s.description = *d;

    if (auto serve = top.string("serve", "a folder path relative to the scenario file")) {
      std::filesystem::path dir = file_.parent_path() / *serve;
      std::error_code ec;
      if (!std::filesystem::is_directory(dir, ec)) {
        v_.error(top.get("serve"), fmt::format("serve: folder '{}' does not exist (it is resolved "
                                               "against the scenario file's folder)",
                                               dir.lexically_normal().string()));
      } else {
        s.serve_dir = std::filesystem::weakly_canonical(dir, ec);
      }
    }
    if (auto start = top.string("start", "a path or an http:// URL")) {
      s.start = *start;
      check_variables(top.get("start"), s.start);
      const bool absolute = s.start.rfind("http://", 0) == 0 || s.start.rfind("https://", 0) == 0;
      if (!top.has("serve") && !absolute) {
        v_.error(top.get("start"),
                 "start must be an absolute http:// or https:// URL when there is no `serve:` "
                 "folder (or add serve: <folder> and give a path under it)");
      }
    }
    if (top.has("setup")) s.setup = parse_steps(top.get("setup"), "setup");
    if (top.has("iteration") && s.drive == DriveMode::kDriver) {
      s.iteration = parse_steps(top.get("iteration"), "iteration");
      if (s.iteration.empty() && top.get("iteration").IsSequence()) {
        v_.error(top.get("iteration"), "iteration must have at least one step");
      }
    }
    if (top.has("iterations") && top.get("iterations").IsScalar() &&
        top.get("iterations").Scalar() == "auto") {
      s.iterations_auto = true;
    } else if (top.has("iterations")) {
      const auto n = top.integer("iterations", 1, 1'000'000, "(or auto)");
      if (n) s.iterations = *n;
    }
    if (auto n = top.integer("max_iterations", 1, 1'000'000, "")) s.max_iterations = *n;
    if (top.has("expect")) parse_expect(top.get("expect"), s.expect);
    if (top.has("dumps")) parse_dumps(top.get("dumps"), s.dumps);
    if (auto n = top.integer("reload_every", 1, 1'000'000, "iterations")) s.reload_every = *n;
    if (auto n = top.integer("restart_every", 1, 1'000'000, "iterations")) s.restart_every = *n;
    if (auto n = top.integer("warmup", 0, 10'000, "")) s.warmup = *n;
    if (top.has("checkpoint")) parse_checkpoint(top.get("checkpoint"), s.checkpoint);
    if (top.has("timeouts")) parse_timeouts(top.get("timeouts"), s.timeouts);
    if (top.has("browsers")) parse_browsers(top.get("browsers"), s);
    if (auto input = top.string("input", "scripted or native")) {
      if (*input == "scripted") s.input = InputMode::kScripted;
      else if (*input == "native") s.input = InputMode::kNative;
      else v_.error(top.get("input"), fmt::format("input must be scripted or native, not '{}'",
                                                  *input));
    }
    if (top.has("ceiling")) s.ceiling = parse_ceiling(top.get("ceiling"));

    for (const auto& key : {"description", "serve", "setup", "iterations", "warmup", "checkpoint",
                            "timeouts", "input", "browsers", "variants", "ceiling", "expect"}) {
      if (!top.has(key)) s.defaulted.insert(key);
    }
    for (const auto& variant : s.variants) {
      if (!referenced_.count(variant.name)) s.unreferenced_variants.insert(variant.name);
    }
    return s;
  }

 private:
  void parse_variants(const YAML::Node& node, Scenario& s) {
    if (!node.IsMap()) {
      v_.error(node, "variants must be a mapping of name: [values], e.g. retention: [none, ie11]");
      return;
    }
    static const std::regex kName("[A-Za-z_][A-Za-z0-9_]*");
    for (auto it = node.begin(); it != node.end(); ++it) {
      Variant variant;
      variant.name = it->first.Scalar();
      variant.where = v_.where(it->first);
      if (!std::regex_match(variant.name, kName)) {
        v_.error(it->first, fmt::format("variant name '{}' must be letters, digits and _",
                                        variant.name));
        continue;
      }
      if (std::find(kBuiltinVariables.begin(), kBuiltinVariables.end(), variant.name) !=
          kBuiltinVariables.end()) {
        v_.error(it->first, fmt::format("'{}' is a built-in variable; pick another variant name",
                                        variant.name));
        continue;
      }
      const YAML::Node& values = it->second;
      if (values.IsScalar()) {
        variant.values.push_back(values.Scalar());
      } else if (values.IsSequence() && values.size() > 0) {
        for (const auto& value : values) {
          if (!value.IsScalar()) {
            v_.error(value, fmt::format("values of variant '{}' must be plain words or numbers",
                                        variant.name));
            continue;
          }
          variant.values.push_back(value.Scalar());
        }
      } else {
        v_.error(values.IsNull() ? variant.where : v_.where(values),
                 fmt::format("variant '{}' needs a value or a non-empty list of values",
                             variant.name));
        continue;
      }
      s.variants.push_back(std::move(variant));
      variant_names_.push_back(s.variants.back().name);
    }
  }

  void check_variables(const YAML::Node& at, const std::string& text) {
    for (const auto& name : referenced_variables(text)) {
      const bool builtin = std::find(kBuiltinVariables.begin(), kBuiltinVariables.end(), name) !=
                           kBuiltinVariables.end();
      const bool variant =
          std::find(variant_names_.begin(), variant_names_.end(), name) != variant_names_.end();
      if (!builtin && !variant) {
        std::vector<std::string> known = variant_names_;
        known.insert(known.end(), kBuiltinVariables.begin(), kBuiltinVariables.end());
        const std::string hint = closest_match(name, known);
        v_.error(at, fmt::format("${{{}}} is not a variant of this scenario; known: {}{}", name,
                                 join(known),
                                 hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
      }
      referenced_.insert(name);
    }
  }

  std::vector<Step> parse_steps(const YAML::Node& node, const std::string& where) {
    std::vector<Step> steps;
    if (!node.IsSequence()) {
      v_.error(node, fmt::format("{} must be a list of steps, e.g.\n  {}:\n    - click: \"#next\"",
                                 where, where));
      return steps;
    }
    for (const auto& item : node) {
      if (auto step = parse_step(item, where)) steps.push_back(std::move(*step));
    }
    return steps;
  }

  std::optional<Step> parse_step(const YAML::Node& item, const std::string& where) {
    const std::string expected = fmt::format("a step: one of {}", join(kStepKindNames));
    std::string kind_name;
    YAML::Node body;
    YAML::Mark kind_mark = item.Mark();
    if (item.IsScalar()) {
      kind_name = item.Scalar();  // "- gc", "- reload"
    } else if (item.IsMap() && item.size() == 1) {
      kind_name = item.begin()->first.Scalar();
      kind_mark = item.begin()->first.Mark();
      body = item.begin()->second;
    } else if (item.IsMap()) {
      v_.error(item, fmt::format("each step in {} is a mapping with exactly one key, the step kind "
                                 "(e.g. `- click: \"#approve\"`); this one has {} keys",
                                 where, item.size()));
      return std::nullopt;
    } else {
      v_.error(item, fmt::format("expected {} in {}, not {}", expected, where, node_type_name(item)));
      return std::nullopt;
    }
    auto kind = step_kind_from_name(kind_name);
    if (!kind) {
      const std::string hint = closest_match(kind_name, kStepKindNames);
      v_.error(v_.where(kind_mark),
               fmt::format("unknown step kind '{}' in {}; expected one of: {}{}", kind_name, where,
                           join(kStepKindNames),
                           hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
      return std::nullopt;
    }
    Step step;
    step.kind = *kind;
    step.where = v_.where(kind_mark);
    const std::string context = fmt::format("step '{}'", kind_name);

    auto shorthand = [&](std::string& field, const char* what) -> bool {
      if (body.IsScalar()) {
        field = body.Scalar();
        check_variables(body, field);
        return true;
      }
      (void)what;
      return false;
    };
    auto common = [](std::vector<std::string> keys) {
      keys.push_back("name");
      keys.push_back("timeout_ms");
      return keys;
    };
    auto read_common = [&](MapReader& m) {
      if (auto label = m.string("name", "a label")) step.label = *label;
      if (auto t = m.integer("timeout_ms", 1, 3'600'000, "milliseconds")) step.timeout_ms = *t;
    };
    auto read_string = [&](MapReader& m, const std::string& key, std::string& field,
                           const std::string& what) {
      if (auto value = m.string(key, what)) {
        field = *value;
        check_variables(m.get(key), field);
      }
    };
    auto need_map = [&](const std::string& form) -> bool {
      if (body.IsMap()) return true;
      v_.error(body.IsNull() ? step.where : v_.where(body),
               fmt::format("{} needs {}", context, form));
      return false;
    };

    switch (step.kind) {
      case StepKind::kOpen:
        if (!shorthand(step.url, "url")) {
          if (!need_map("a URL: `open: page.html` or `open: {url: page.html}`")) return std::nullopt;
          MapReader m(v_, body, context, common({"url"}));
          m.require("url", "the page to open");
          read_common(m);
          read_string(m, "url", step.url, "a URL");
        }
        if (step.url.empty()) v_.error(step.where, "open needs a non-empty URL");
        break;
      case StepKind::kClick:
        if (!shorthand(step.selector, "selector")) {
          if (!need_map("a CSS selector: `click: \"#approve\"` or `click: {selector: ...}`")) {
            return std::nullopt;
          }
          MapReader m(v_, body, context, common({"selector"}));
          m.require("selector", "a CSS selector");
          read_common(m);
          read_string(m, "selector", step.selector, "a CSS selector");
        }
        break;
      case StepKind::kType: {
        if (!need_map("`type: {selector: \"#note\", text: \"...\"}` (optional clear: true)")) {
          return std::nullopt;
        }
        MapReader m(v_, body, context, common({"selector", "text", "clear"}));
        m.require("selector", "a CSS selector");
        m.require("text", "the text to type");
        read_common(m);
        read_string(m, "selector", step.selector, "a CSS selector");
        read_string(m, "text", step.text, "text");
        if (auto c = m.boolean("clear")) step.clear = *c;
        break;
      }
      case StepKind::kSelect: {
        if (!need_map("`select: {selector: \"#decision\", value: approve}` (or text: \"Approve\")")) {
          return std::nullopt;
        }
        MapReader m(v_, body, context, common({"selector", "value", "text"}));
        m.require("selector", "a CSS selector of the <select>");
        read_common(m);
        read_string(m, "selector", step.selector, "a CSS selector");
        read_string(m, "value", step.value, "an option value");
        read_string(m, "text", step.text, "an option's visible text");
        if (m.has("value") == m.has("text")) {
          v_.error(step.where, "select needs exactly one of `value:` (the option's value) or "
                               "`text:` (its visible text)");
        }
        break;
      }
      case StepKind::kWaitFor: {
        if (shorthand(step.selector, "selector")) break;
        if (!need_map("a selector (`wait_for: \"#ready\"`) or a mapping with selector/state or "
                      "script, e.g. `wait_for: {script: \"return window.ready;\"}`")) {
          return std::nullopt;
        }
        MapReader m(v_, body, context, common({"selector", "state", "script"}));
        read_common(m);
        read_string(m, "selector", step.selector, "a CSS selector");
        read_string(m, "script", step.script, "a script returning true");
        if (m.has("selector") == m.has("script")) {
          v_.error(step.where, "wait_for needs exactly one of `selector:` or `script:`");
        }
        if (auto state = m.string("state", "present, visible or absent")) {
          if (*state == "present") step.state = WaitState::kPresent;
          else if (*state == "visible") step.state = WaitState::kVisible;
          else if (*state == "absent") step.state = WaitState::kAbsent;
          else v_.error(m.get("state"), fmt::format("state must be present, visible or absent, not "
                                                    "'{}'", *state));
          if (m.has("script")) v_.error(m.get("state"), "state applies to a selector, not a script");
        }
        break;
      }
      case StepKind::kFrame: {
        if (!need_map("`frame: {selector: \"iframe#review\", steps: [...]}`")) return std::nullopt;
        MapReader m(v_, body, context, common({"selector", "steps"}));
        m.require("selector", "a CSS selector of the <iframe>");
        m.require("steps", "the steps to run inside the frame");
        read_common(m);
        read_string(m, "selector", step.selector, "a CSS selector");
        if (m.has("steps")) step.steps = parse_steps(m.get("steps"), "frame steps");
        break;
      }
      case StepKind::kExecute:
      case StepKind::kExecuteAsync:
        if (!shorthand(step.script, "script")) {
          if (!need_map(step.kind == StepKind::kExecute
                            ? "a script: `execute: \"window.app.reset();\"`"
                            : "a script that calls its callback, the last argument: "
                              "`execute_async: \"var done = arguments[arguments.length - 1]; "
                              "app.save(done);\"`")) {
            return std::nullopt;
          }
          MapReader m(v_, body, context, common({"script"}));
          m.require("script", "the script");
          read_common(m);
          read_string(m, "script", step.script, "a script");
        }
        if (step.script.empty()) v_.error(step.where, fmt::format("{} needs a script", kind_name));
        break;
      case StepKind::kSleep: {
        if (body.IsScalar()) {
          try {
            step.sleep_ms = body.as<int>();
          } catch (const YAML::Exception&) {
            step.sleep_ms = -1;
          }
          if (step.sleep_ms < 0 || step.sleep_ms > 3'600'000) {
            v_.error(body, "sleep takes milliseconds, a whole number from 0 to 3600000, e.g. "
                           "`sleep: 500`");
          }
          break;
        }
        if (!need_map("milliseconds: `sleep: 500` or `sleep: {ms: 500}`")) return std::nullopt;
        MapReader m(v_, body, context, {"ms", "name"});
        m.require("ms", "milliseconds");
        if (auto label = m.string("name", "a label")) step.label = *label;
        if (auto ms = m.integer("ms", 0, 3'600'000, "milliseconds")) step.sleep_ms = *ms;
        break;
      }
      case StepKind::kGc:
      case StepKind::kReload:
        if (!body.IsNull() && !(body.IsMap())) {
          v_.error(body, fmt::format("{} takes no value; write `- {}`", kind_name, kind_name));
          return std::nullopt;
        }
        if (body.IsMap()) {
          MapReader m(v_, body, context, common({}));
          read_common(m);
        }
        break;
      case StepKind::kScreenshot:
        if (shorthand(step.file_name, "file name")) break;
        if (body.IsMap()) {
          MapReader m(v_, body, context, {"file", "name"});
          if (auto label = m.string("name", "a label")) step.label = *label;
          read_string(m, "file", step.file_name, "a file name");
        } else if (!body.IsNull()) {
          v_.error(body, "screenshot takes an optional file name: `screenshot: review.png`");
        }
        if (!step.file_name.empty() && (step.file_name.find('/') != std::string::npos ||
                                        step.file_name.find("..") != std::string::npos)) {
          v_.error(step.where, "screenshot file is a plain name inside the run folder, without / "
                               "or ..");
        }
        break;
    }
    if ((step.kind == StepKind::kClick || step.kind == StepKind::kWaitFor ||
         step.kind == StepKind::kFrame) &&
        step.selector.empty() && step.script.empty() && v_.diagnostics().empty()) {
      v_.error(step.where, fmt::format("{} needs a non-empty selector", kind_name));
    }
    if (step.label.empty()) step.label = default_label(step);
    return step;
  }

  static std::string default_label(const Step& step) {
    const std::string kind = step_kind_name(step.kind);
    switch (step.kind) {
      case StepKind::kOpen: return kind + " " + step.url;
      case StepKind::kClick:
      case StepKind::kType:
      case StepKind::kSelect:
      case StepKind::kFrame: return kind + " " + step.selector;
      case StepKind::kWaitFor:
        return step.selector.empty() ? kind + " script" : kind + " " + step.selector;
      case StepKind::kSleep: return fmt::format("sleep {} ms", step.sleep_ms);
      case StepKind::kScreenshot:
        return step.file_name.empty() ? kind : kind + " " + step.file_name;
      default: return kind;
    }
  }

  // dumps: [rule, ...] or {on_hang: bool, rules: [rule, ...]};
  // rule: {metric: private|virtual, start: 300MiB, step: 100MiB, max: 10}
  void parse_dumps(const YAML::Node& node, DumpPolicy& policy) {
    YAML::Node rules = node;
    if (node.IsMap()) {
      MapReader m(v_, node, "dumps", {"rules", "on_hang", "hang_stack"});
      if (auto on_hang = m.boolean("on_hang")) policy.on_hang = *on_hang;
      if (auto stack = m.boolean("hang_stack")) policy.hang_stack = *stack;
      if (!m.has("rules")) return;
      rules = m.get("rules");
    }
    if (!rules.IsSequence()) {
      v_.error(rules, "dumps must be a list of rules, e.g. dumps: [{metric: private, start: "
                      "300MiB, step: 100MiB, max: 10}], or {on_hang: true, rules: [...]}");
      return;
    }
    for (const auto& item : rules) {
      if (!item.IsMap()) {
        v_.error(item, "a dump rule is a mapping {metric: private, start: 300MiB, step: 100MiB, "
                       "max: 10}");
        continue;
      }
      MapReader m(v_, item, "a dump rule", {"metric", "start", "step", "max"});
      m.require("start", "the size of the first dump, e.g. 300MiB");
      DumpRule rule;
      rule.where = v_.where(item);
      if (auto metric = m.string("metric", "private or virtual")) {
        if (*metric != "private" && *metric != "virtual") {
          v_.error(m.get("metric"), fmt::format("dump rule metric must be private or virtual, "
                                                "not '{}'",
                                                *metric));
        }
        rule.metric = *metric;
      }
      auto size = [&](const std::string& key, std::uint64_t& out) {
        if (auto text = m.string(key, "a size with units")) {
          auto bytes = parse_size(*text);
          if (!bytes) {
            v_.error(m.get(key), fmt::format("{} '{}' is not a size; write e.g. 100MiB", key,
                                             *text));
          } else {
            out = *bytes;
          }
        }
      };
      if (auto text = m.string("start", "a size with units")) {
        // "+64MiB": above the baseline measured after set-up (DumpRule::relative).
        std::string_view value = *text;
        rule.relative = !value.empty() && value.front() == '+';
        if (rule.relative) value.remove_prefix(1);
        auto bytes = parse_size(value);
        if (!bytes) {
          v_.error(m.get("start"), fmt::format("start '{}' is not a size; write e.g. 300MiB, or "
                                               "+64MiB for 64 MiB above the baseline",
                                               *text));
        } else {
          rule.start_bytes = *bytes;
        }
      }
      size("step", rule.step_bytes);
      if (auto max = m.integer("max", 1, 1000, "dumps")) rule.max = *max;
      policy.rules.push_back(rule);
    }
  }

  void parse_expect(const YAML::Node& node, ExpectSpec& expect) {
    static const std::vector<std::string> kVerdicts = {"retains", "plateau", "stable",
                                                       "insufficient"};
    auto check_verdict = [&](const YAML::Node& at, const std::string& word) {
      if (std::find(kVerdicts.begin(), kVerdicts.end(), word) == kVerdicts.end()) {
        const std::string hint = closest_match(word, kVerdicts);
        v_.error(at, fmt::format("expect: '{}' is not a verdict; expected one of: {}{}", word,
                                 join(kVerdicts),
                                 hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
        return;
      }
      expect.verdict = word;
    };
    if (node.IsScalar()) {
      check_verdict(node, node.Scalar());
      return;
    }
    if (!node.IsMap()) {
      v_.error(node, "expect must be a verdict (expect: stable) or a mapping {verdict: stable, "
                     "max_slope: 200KiB, max_peak: 800MiB}");
      return;
    }
    MapReader m(v_, node, "expect", {"verdict", "max_slope", "max_peak"});
    if (auto verdict = m.string("verdict", "a verdict")) check_verdict(m.get("verdict"), *verdict);
    auto size = [&](const std::string& key, std::optional<std::uint64_t>& out) {
      if (auto text = m.string(key, "a size with units, e.g. 200KiB")) {
        out = parse_size(*text);
        if (!out) v_.error(m.get(key), fmt::format("{} '{}' is not a size; write e.g. 200KiB",
                                                   key, *text));
      }
    };
    size("max_slope", expect.max_slope_bytes);
    size("max_peak", expect.max_peak_bytes);
  }

  void parse_checkpoint(const YAML::Node& node, CheckpointPolicy& policy) {
    if (!node.IsMap()) {
      v_.error(node, "checkpoint must be a mapping, e.g. checkpoint: {every: 5, gc: true, "
                     "settle_ms: 200}");
      return;
    }
    MapReader m(v_, node, "checkpoint", {"every", "gc", "settle_ms"});
    if (auto every = m.integer("every", 1, 100'000, "iterations")) policy.every = *every;
    if (auto gc = m.boolean("gc")) policy.gc = *gc;
    if (auto settle = m.integer("settle_ms", 0, 600'000, "milliseconds")) policy.settle_ms = *settle;
  }

  void parse_timeouts(const YAML::Node& node, Timeouts& t) {
    if (!node.IsMap()) {
      v_.error(node, "timeouts must be a mapping, e.g. timeouts: {step_ms: 10000, page_load_ms: "
                     "30000, script_ms: 30000}");
      return;
    }
    MapReader m(v_, node, "timeouts", {"step_ms", "page_load_ms", "script_ms", "hang_ms"});
    if (auto v = m.integer("step_ms", 1, 3'600'000, "milliseconds")) t.step_ms = *v;
    if (auto v = m.integer("page_load_ms", 1, 3'600'000, "milliseconds")) t.page_load_ms = *v;
    if (auto v = m.integer("script_ms", 1, 3'600'000, "milliseconds")) t.script_ms = *v;
    if (auto v = m.integer("hang_ms", 500, 3'600'000, "milliseconds")) t.hang_ms = *v;
  }

  void parse_browsers(const YAML::Node& node, Scenario& s) {
    std::vector<YAML::Node> items;
    if (node.IsScalar()) items.push_back(node);
    else if (node.IsSequence()) for (const auto& item : node) items.push_back(item);
    else {
      v_.error(node, fmt::format("browsers must be a list of profile names: {}",
                                 join(options_.known_browsers)));
      return;
    }
    s.browsers.clear();
    for (const auto& item : items) {
      if (!item.IsScalar()) {
        v_.error(item, "browsers must be a list of profile names");
        continue;
      }
      const std::string name = item.Scalar();
      if (std::find(options_.known_browsers.begin(), options_.known_browsers.end(), name) ==
          options_.known_browsers.end()) {
        const std::string hint = closest_match(name, options_.known_browsers);
        v_.error(item, fmt::format("unknown browser profile '{}'; known: {}{}", name,
                                   join(options_.known_browsers),
                                   hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
        continue;
      }
      s.browsers.push_back(name);
    }
    if (s.browsers.empty() && node.IsSequence() && node.size() == 0) {
      v_.error(node, "browsers must name at least one profile");
    }
  }

  std::optional<Ceiling> parse_ceiling(const YAML::Node& node) {
    Ceiling ceiling;
    YAML::Node size_node = node;
    if (node.IsMap()) {
      MapReader m(v_, node, "ceiling", {"size", "metric", "enforce"});
      m.require("size", "a size with units, e.g. 1300MiB");
      if (auto metric = m.string("metric", "a metric name")) ceiling.metric = *metric;
      if (auto enforce = m.string("enforce", "observe, kill or limit")) {
        if (*enforce == "observe") ceiling.enforce = CeilingEnforcement::kObserve;
        else if (*enforce == "kill") ceiling.enforce = CeilingEnforcement::kKill;
        else if (*enforce == "limit") ceiling.enforce = CeilingEnforcement::kLimit;
        else v_.error(m.get("enforce"), fmt::format("ceiling enforce must be observe, kill or "
                                                    "limit, not '{}'",
                                                    *enforce));
      }
      if (ceiling.metric != "renderer.private_bytes") {
        v_.error(m.get("metric"), fmt::format("ceiling metric '{}' is not sampled; the ceiling "
                                              "metric is renderer.private_bytes",
                                              ceiling.metric));
      }
      if (!m.has("size")) return std::nullopt;
      size_node = m.get("size");
    }
    if (!size_node.IsScalar()) {
      v_.error(size_node, "ceiling must be a size with units (e.g. 1300MiB) or a mapping "
                          "{size: 1300MiB, metric: renderer.private_bytes, enforce: observe}");
      return std::nullopt;
    }
    auto bytes = parse_size(size_node.Scalar());
    if (!bytes || *bytes == 0) {
      v_.error(size_node, fmt::format("ceiling '{}' is not a size; write a number with B, KiB, "
                                      "MiB, GiB (or KB, MB, GB), e.g. 1300MiB",
                                      size_node.Scalar()));
      return std::nullopt;
    }
    ceiling.bytes = *bytes;
    return ceiling;
  }

  Validator& v_;
  std::filesystem::path file_;
  const LoadOptions& options_;
  std::vector<std::string> variant_names_;
  std::set<std::string> referenced_;
};

}  // namespace

const char* enforcement_name(CeilingEnforcement enforce) {
  switch (enforce) {
    case CeilingEnforcement::kObserve: return "observe";
    case CeilingEnforcement::kKill: return "kill";
    case CeilingEnforcement::kLimit: return "limit";
  }
  return "observe";
}

const char* input_mode_name(InputMode mode) {
  return mode == InputMode::kNative ? "native" : "scripted";
}

const char* step_kind_name(StepKind kind) {
  return kStepKindNames.at(static_cast<std::size_t>(kind)).c_str();
}

std::optional<StepKind> step_kind_from_name(const std::string& name) {
  auto it = std::find(kStepKindNames.begin(), kStepKindNames.end(), name);
  if (it == kStepKindNames.end()) return std::nullopt;
  return static_cast<StepKind>(it - kStepKindNames.begin());
}

const std::vector<std::string>& step_kind_names() { return kStepKindNames; }

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

std::vector<std::string> referenced_variables(std::string_view text) {
  std::vector<std::string> names;
  std::size_t pos = 0;
  while ((pos = text.find("${", pos)) != std::string_view::npos) {
    const std::size_t end = text.find('}', pos + 2);
    if (end == std::string_view::npos) break;
    names.emplace_back(text.substr(pos + 2, end - pos - 2));
    pos = end + 1;
  }
  return names;
}

Scenario parse_scenario(std::string_view text, const std::filesystem::path& file,
                        const LoadOptions& options) {
  Validator v(file.string());
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    v.error(v.where(e.mark), fmt::format("YAML syntax: {}", e.msg));
    throw ScenarioError(std::move(v.diagnostics()));
  }
  if (root.IsNull()) {
    v.error(SourceLocation{file.string(), 1, 1}, "the scenario file is empty");
    throw ScenarioError(std::move(v.diagnostics()));
  }
  ScenarioParser parser(v, file, options);
  Scenario scenario = parser.parse(root);
  if (!v.diagnostics().empty()) {
    // In file order, as an editor shows them.
    std::stable_sort(v.diagnostics().begin(), v.diagnostics().end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                       return std::tie(a.where.line, a.where.column) <
                              std::tie(b.where.line, b.where.column);
                     });
    throw ScenarioError(std::move(v.diagnostics()));
  }
  return scenario;
}

Matrix load_matrix(const std::filesystem::path& file, const LoadOptions& options) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw InputError(fmt::format("cannot read matrix '{}': {}", file.string(),
                                 std::filesystem::exists(file) ? "permission denied or not a file"
                                                               : "no such file"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  Validator v(file.string());
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::ParserException& e) {
    v.error(v.where(e.mark), fmt::format("YAML syntax: {}", e.msg));
    throw ScenarioError(std::move(v.diagnostics()));
  }
  Matrix matrix;
  matrix.file = file;
  if (!root.IsMap()) {
    v.error(root, "a matrix is a mapping: name, description, runs: [{scenario: ..., browsers: "
                  "[...], variants: {...}, iterations: N}]");
    throw ScenarioError(std::move(v.diagnostics()));
  }
  MapReader top(v, root, "the matrix", {"name", "description", "runs"});
  top.require("name", "a short name, e.g. name: nightly");
  top.require("runs", "the list of scenarios to run");
  if (auto name = top.string("name", "a short name")) matrix.name = *name;
  if (auto d = top.string("description", "text")) matrix.description = *d;
  if (top.has("runs")) {
    const YAML::Node runs = top.get("runs");
    if (!runs.IsSequence() || runs.size() == 0) {
      v.error(runs, "runs must be a non-empty list of {scenario: file, browsers: [...], "
                    "variants: {name: [values]}, iterations: N|auto}");
    } else {
      for (const auto& item : runs) {
        if (!item.IsMap()) {
          v.error(item, "each run of a matrix is a mapping with at least `scenario:`");
          continue;
        }
        MapReader m(v, item, "a matrix run", {"scenario", "browsers", "variants", "iterations"});
        m.require("scenario", "the scenario file, relative to the matrix file");
        MatrixEntry entry;
        entry.where = v.where(item);
        if (auto s = m.string("scenario", "a file path")) {
          entry.scenario = file.parent_path() / *s;
          if (!std::filesystem::exists(entry.scenario)) {
            v.error(m.get("scenario"), fmt::format("scenario '{}' does not exist (resolved "
                                                   "against the matrix file's folder)",
                                                   entry.scenario.lexically_normal().string()));
          }
        }
        if (m.has("browsers")) {
          const YAML::Node b = m.get("browsers");
          std::vector<YAML::Node> names;
          if (b.IsScalar()) names.push_back(b);
          else if (b.IsSequence()) for (const auto& n : b) names.push_back(n);
          else v.error(b, "browsers must be a list of profile names");
          for (const auto& n : names) {
            if (!n.IsScalar() || std::find(options.known_browsers.begin(),
                                           options.known_browsers.end(),
                                           n.Scalar()) == options.known_browsers.end()) {
              v.error(n, fmt::format("unknown browser profile '{}'; known: {}",
                                     n.IsScalar() ? n.Scalar() : "?", join(options.known_browsers)));
              continue;
            }
            entry.browsers.push_back(n.Scalar());
          }
        }
        if (m.has("variants")) {
          const YAML::Node vars = m.get("variants");
          if (!vars.IsMap()) {
            v.error(vars, "variants must be a mapping name: [values]");
          } else {
            for (auto it = vars.begin(); it != vars.end(); ++it) {
              std::string values;
              if (it->second.IsScalar()) values = it->second.Scalar();
              else if (it->second.IsSequence()) {
                for (const auto& value : it->second) {
                  values += (values.empty() ? "" : ",") + value.Scalar();
                }
              }
              if (values.empty()) {
                v.error(it->second, "a variant needs a value or a list of values");
                continue;
              }
              entry.variants.push_back(it->first.Scalar() + "=" + values);
            }
          }
        }
        if (auto n = m.string("iterations", "a number or auto")) entry.iterations = *n;
        matrix.entries.push_back(std::move(entry));
      }
    }
  }
  if (!v.diagnostics().empty()) throw ScenarioError(std::move(v.diagnostics()));
  return matrix;
}

Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw InputError(fmt::format("cannot read scenario '{}': {}", file.string(),
                                 std::filesystem::exists(file) ? "permission denied or not a file"
                                                               : "no such file"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), file, options);
}

}  // namespace harness
