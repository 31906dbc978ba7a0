#include "harness/scenario/loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

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
                   "attribution", "components"});
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
    if (top.has("components")) parse_components(top.get("components"), s);
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

  // components: [{name: audit-helper, extension: ../extensions/audit-helper},
  //              {name: dlp-agent, program: ["/usr/bin/dlp-agent", "--watch"]},
  //              {name: audio, activex: "{CLSID}"}]; paths relative to the scenario file.
  void parse_components(const YAML::Node& node, Scenario& s) {
    if (!node.IsSequence()) {
      v_.error(node, "components must be a list, e.g. components: [{name: audit-helper, "
                     "extension: ../extensions/audit-helper}, {name: dlp-agent, program: "
                     "[/usr/bin/dlp-agent, --watch]}, {name: audio, activex: \"{CLSID}\"}]");
      return;
    }
    static const std::regex kName("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    static const std::regex kClsid(
        "\\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\\}");
    const std::filesystem::path base = file_.parent_path();
    for (const auto& item : node) {
      if (!item.IsMap()) {
        v_.error(item, "a component is a mapping: {name: N, extension: folder} or {name: N, "
                       "program: [command, args...]} or {name: N, activex: \"{CLSID}\"}");
        continue;
      }
      MapReader m(v_, item, "a component", {"name", "extension", "program", "activex"});
      m.require("name", "a short name, e.g. name: audit-helper");
      Component c;
      c.where = v_.where(item);
      if (auto name = m.string("name", "a short name")) {
        c.name = *name;
        if (!std::regex_match(c.name, kName)) {
          v_.error(m.get("name"), fmt::format("component name '{}' must be letters, digits, "
                                              "'_', '-' and '.'",
                                              c.name));
        }
        for (const auto& other : s.components) {
          if (other.name == c.name) {
            v_.error(m.get("name"), fmt::format("component '{}' is declared twice (first at {})",
                                                c.name, to_string(other.where)));
          }
        }
        for (const auto& variant : s.variants) {
          if (variant.name == c.name) {
            v_.error(m.get("name"), fmt::format("'{}' is both a variant and a component; a "
                                                "component switch would be ambiguous",
                                                c.name));
          }
        }
      }
      const int kinds = int(m.has("extension")) + int(m.has("program")) + int(m.has("activex"));
      if (kinds != 1) {
        v_.error(item, fmt::format("component '{}' needs exactly one of extension (a folder), "
                                   "program (a command) or activex (a CLSID)",
                                   c.name));
        continue;
      }
      std::error_code ec;
      if (auto folder = m.string("extension", "an unpacked extension folder")) {
        c.kind = ComponentKind::kExtension;
        const std::filesystem::path dir = (base / *folder).lexically_normal();
        if (dir.extension() == ".crx") {
          v_.error(m.get("extension"),
                   fmt::format("'{}' is a packed .crx; give the unpacked folder (a .crx is a zip "
                               "archive after its header: unzip it into a folder)",
                               dir.string()));
        } else if (!std::filesystem::is_directory(dir, ec)) {
          v_.error(m.get("extension"), fmt::format("extension folder '{}' does not exist (it is "
                                                   "resolved against the scenario file's "
                                                   "folder)",
                                                   dir.string()));
        } else {
          c.path = std::filesystem::absolute(dir, ec);
          c.version = manifest_version(c.path);
        }
      } else if (m.has("program")) {
        c.kind = ComponentKind::kProgram;
        const YAML::Node command = m.get("program");
        if (command.IsScalar()) {
          c.command.push_back(command.Scalar());
        } else if (command.IsSequence() && command.size() > 0) {
          for (const auto& arg : command) {
            if (!arg.IsScalar()) {
              v_.error(arg, "program arguments must be plain strings");
              continue;
            }
            c.command.push_back(arg.Scalar());
          }
        } else {
          v_.error(command, "program is a command: a list [executable, arguments...] or a path");
        }
        if (!c.command.empty()) {
          const std::filesystem::path exe = find_program(c.command[0], base);
          if (exe.empty()) {
            v_.error(command, fmt::format("program '{}' does not exist ({})", c.command[0],
                                          c.command[0].find('/') == std::string::npos &&
                                                  c.command[0].find('\\') == std::string::npos
                                              ? "not found on PATH"
                                              : "resolved against the scenario file's folder"));
          } else {
            c.command[0] = exe.string();
          }
        }
      } else if (auto clsid = m.string("activex", "a CLSID in braces")) {
        c.kind = ComponentKind::kActiveX;
        c.clsid = *clsid;
        if (!std::regex_match(c.clsid, kClsid)) {
          v_.error(m.get("activex"), fmt::format("activex '{}' is not a CLSID; write it in "
                                                 "braces: \"{{xxxxxxxx-xxxx-xxxx-xxxx-"
                                                 "xxxxxxxxxxxx}}\"",
                                                 c.clsid));
        }
      }
      s.components.push_back(std::move(c));
    }
  }

  // The `version` of an extension's manifest.json, "" when it has none or cannot be read (the
  // browser then says why at the run's start: its reason is the run's error).
  static std::string manifest_version(const std::filesystem::path& dir) {
    std::ifstream in(dir / "manifest.json", std::ios::binary);
    if (!in) return "";
    const nlohmann::json manifest = nlohmann::json::parse(in, nullptr, false);
    if (!manifest.is_object()) return "";
    const auto it = manifest.find("version");
    return it != manifest.end() && it->is_string() ? it->get<std::string>() : "";
  }

  // A program's executable: a path with a separator is resolved against the scenario's folder,
  // a bare name is looked up on PATH. Empty when there is no such file.
  static std::filesystem::path find_program(const std::string& name,
                                            const std::filesystem::path& base) {
    std::error_code ec;
    if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos) {
      const std::filesystem::path p = (base / name).lexically_normal();
      return std::filesystem::is_regular_file(p, ec) ? std::filesystem::absolute(p, ec)
                                                     : std::filesystem::path();
    }
#ifdef _WIN32
    const char separator = ';';
#else
    const char separator = ':';
#endif
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "";
    std::size_t start = 0;
    while (start <= dirs.size()) {
      const auto end = dirs.find(separator, start);
      const std::string dir = dirs.substr(start, end == std::string::npos ? end : end - start);
      for (const char* suffix : {"", ".exe"}) {
        const std::filesystem::path candidate = std::filesystem::path(dir) / (name + suffix);
        if (!dir.empty() && std::filesystem::is_regular_file(candidate, ec)) return candidate;
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return {};
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

const char* component_kind_name(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::kExtension: return "extension";
    case ComponentKind::kProgram: return "program";
    case ComponentKind::kActiveX: return "activex";
  }
  return "extension";
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
