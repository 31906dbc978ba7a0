#include "harness/scenario/steps.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace harness {

namespace {

const std::vector<std::string> kStepKindNames = {
    "open", "click", "type", "select", "wait_for", "frame", "execute", "execute_async",
    "sleep", "gc", "reload", "screenshot"};

class StepParser {
 public:
  StepParser(Validator& v, VariableScope& scope) : v_(v), scope_(scope) {}

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

 private:
  std::optional<Step> parse_step(const YAML::Node& item, const std::string& where) {
    const std::string expected = fmt::format("a step: one of {}", join_words(kStepKindNames));
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
      v_.error(v_.where(kind_mark),
               fmt::format("unknown step kind '{}' in {}; expected one of: {}{}", kind_name, where,
                           join_words(kStepKindNames), did_you_mean(kind_name, kStepKindNames)));
      return std::nullopt;
    }
    Step step;
    step.kind = *kind;
    step.where = v_.where(kind_mark);
    const std::string context = fmt::format("step '{}'", kind_name);

    auto shorthand = [&](std::string& field, const char* what) -> bool {
      if (body.IsScalar()) {
        field = body.Scalar();
        scope_.check(body, field);
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
        scope_.check(m.get(key), field);
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
        step.selector.empty() && step.script.empty() && v_.ok()) {
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

  Validator& v_;
  VariableScope& scope_;
};

}  // namespace

const char* step_kind_name(StepKind kind) {
  return kStepKindNames.at(static_cast<std::size_t>(kind)).c_str();
}

std::optional<StepKind> step_kind_from_name(const std::string& name) {
  auto it = std::find(kStepKindNames.begin(), kStepKindNames.end(), name);
  if (it == kStepKindNames.end()) return std::nullopt;
  return static_cast<StepKind>(it - kStepKindNames.begin());
}

const std::vector<std::string>& step_kind_names() { return kStepKindNames; }

std::vector<Step> parse_steps(Validator& v, VariableScope& scope, const YAML::Node& node,
                              const std::string& where) {
  return StepParser(v, scope).parse_steps(node, where);
}

}  // namespace harness
