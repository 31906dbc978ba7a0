#include "harness/scenario/loader.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "harness/model/units.hpp"
#include "harness/scenario/common_fields.hpp"
#include "harness/scenario/steps.hpp"
#include "harness/scenario/variables.hpp"
#include "harness/scenario/yaml_reader.hpp"

namespace harness {

namespace {

class ScenarioParser {
 public:
  ScenarioParser(Validator& v, const std::filesystem::path& file, const LoadOptions& options)
      : v_(v), scope_(v), file_(file), options_(options) {}

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
                   "max_iterations", "expect", "dumps", "reload_every", "restart_every", "drive",
                   "attribution"});
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
      scope_.check(top.get("start"), s.start);
      const bool absolute = s.start.rfind("http://", 0) == 0 || s.start.rfind("https://", 0) == 0;
      if (!top.has("serve") && !absolute) {
        v_.error(top.get("start"),
                 "start must be an absolute http:// or https:// URL when there is no `serve:` "
                 "folder (or add serve: <folder> and give a path under it)");
      }
    }
    if (top.has("setup")) s.setup = parse_steps(v_, scope_, top.get("setup"), "setup");
    if (top.has("iteration") && s.drive == DriveMode::kDriver) {
      s.iteration = parse_steps(v_, scope_, top.get("iteration"), "iteration");
      if (s.iteration.empty() && top.get("iteration").IsSequence()) {
        v_.error(top.get("iteration"), "iteration must have at least one step");
      }
    }
    if (auto n = read_iterations(top)) {
      s.iterations_auto = n->automatic;
      if (!n->automatic) s.iterations = n->count;
    }
    if (auto n = top.integer("max_iterations", 1, 1'000'000, "")) s.max_iterations = *n;
    if (top.has("expect")) parse_expect(top.get("expect"), s.expect);
    if (top.has("dumps")) parse_dumps(top.get("dumps"), s.dumps);
    if (auto n = top.integer("reload_every", 1, 1'000'000, "iterations")) s.reload_every = *n;
    if (auto n = top.integer("restart_every", 1, 1'000'000, "iterations")) s.restart_every = *n;
    if (auto on = top.boolean("attribution")) s.attribution = *on;
    if (auto n = top.integer("warmup", 0, 10'000, "")) s.warmup = *n;
    if (top.has("checkpoint")) parse_checkpoint(top.get("checkpoint"), s.checkpoint);
    if (top.has("timeouts")) parse_timeouts(top.get("timeouts"), s.timeouts);
    if (top.has("browsers")) {
      s.browsers = read_browsers(v_, top.get("browsers"), options_.known_browsers);
    }
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
      if (!scope_.referenced(variant.name)) s.unreferenced_variants.insert(variant.name);
    }
    return s;
  }

 private:
  void parse_variants(const YAML::Node& node, Scenario& s) {
    s.variants = read_variants(v_, node);
    for (const auto& variant : s.variants) scope_.add_variant(variant.name);
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
        v_.error(at, fmt::format("expect: '{}' is not a verdict; expected one of: {}{}", word,
                                 join_words(kVerdicts), did_you_mean(word, kVerdicts)));
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
  VariableScope scope_;
  std::filesystem::path file_;
  const LoadOptions& options_;
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

Scenario parse_scenario(std::string_view text, const std::filesystem::path& file,
                        const LoadOptions& options) {
  Validator v(file.string());
  const YAML::Node root = parse_yaml(text, v, "scenario");
  Scenario scenario = ScenarioParser(v, file, options).parse(root);
  v.throw_if_any();
  return scenario;
}

Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options) {
  return parse_scenario(read_yaml_file(file, "scenario"), file, options);
}

}  // namespace harness
