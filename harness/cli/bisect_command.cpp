#include "harness/cli/bisect_command.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "harness/analyze/bisect.hpp"
#include "harness/analyze/compare.hpp"
#include "harness/cli/console.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/interrupt.hpp"
#include "harness/cli/report_command.hpp"
#include "harness/cli/run_command.hpp"
#include "harness/error.hpp"
#include "harness/model/time.hpp"
#include "harness/model/units.hpp"
#include "harness/platform/atomic_file.hpp"
#include "harness/platform/system.hpp"
#include "harness/store/store.hpp"

namespace harness {

using nlohmann::ordered_json;

void setup_bisect_command(CLI::App& app, BisectCommandOptions& o) {
  auto* cmd = app.add_subcommand(
      "bisect", "Find which of a scenario's components causes a regression: clean vs all "
                "components, then delta debugging (halves first, then one by one)");
  cmd->add_option("scenario", o.scenario, "Scenario file (YAML) with components")->required();
  add_run_override_options(cmd, o.overrides);
  cmd->add_option("--out", o.out, "Results folder (default: results)");
  cmd->add_option("--db", o.database, "Results database (default: <out>/harness.db)");
  cmd->add_flag("-v,--verbose", o.verbose, "Debug logging");
}

namespace {

struct ProbeResult {
  std::vector<std::string> present;
  RunResult run;
  bool regressed = false;
  std::string reason;  // compare's reason, or why the run counts as worse
};

ordered_json probe_json(const ProbeResult& p, const std::filesystem::path& dir) {
  const RunSummary& s = p.run.summary;
  ordered_json slope = nullptr;
  if (s.verdict && s.verdict->slope_bytes_per_iteration) {
    slope = *s.verdict->slope_bytes_per_iteration;
  }
  std::error_code ec;
  return {{"components", p.present},
          {"run_id", s.info.id},
          {"dir", std::filesystem::relative(p.run.dir, dir, ec).string()},
          {"status", status_name(s.info.status)},
          {"verdict", s.verdict ? verdict_name(s.verdict->kind) : ""},
          {"slope_bytes_per_iteration", slope},
          {"regressed", p.regressed},
          {"reason", p.reason},
          {"seconds", s.info.duration_s}};
}

// Ctrl-C between probes: the bisect stops with what it has (not an error).
struct Interrupted {};

std::string set_text(const std::vector<std::string>& present) {
  return present.empty() ? std::string("none") : fmt::format("{}", fmt::join(present, ", "));
}

}  // namespace

int run_bisect_command(const BisectCommandOptions& o) {
  const bool interactive = stderr_is_terminal();
  Console console(interactive);
  console.install_logger(o.verbose);
  if (!o.overrides.components.empty()) {
    throw InputError("bisect switches the components itself: drop --component");
  }

  const auto started = std::chrono::system_clock::now();
  const std::filesystem::path out = o.out;
  check_writable_folder(out);
  PreparedScenario prepared = prepare_scenario(o.scenario, o.overrides, out);
  const Scenario& scenario = prepared.scenario;
  if (scenario.components.empty()) {
    throw InputError(fmt::format("scenario '{}' has no components: nothing to bisect (add "
                                 "`components:`)",
                                 o.scenario));
  }
  if (prepared.profiles.size() != 1) {
    throw InputError(fmt::format("bisect compares runs in one browser; the scenario has {}: "
                                 "pick one with --browser",
                                 prepared.profiles.size()));
  }
  if (prepared.variants.size() != 1) {
    throw InputError(fmt::format("bisect compares runs of one variant; the scenario has {} "
                                 "combinations: pin each variant with --variant name=value",
                                 prepared.variants.size()));
  }
  const BrowserProfile* profile = prepared.profiles.front();
  std::vector<std::string> names;
  for (const auto& c : scenario.components) names.push_back(c.name);

  std::string id = utc_compact(started) + "-bisect-" + scenario.name;
  for (char& c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '-';
  }
  const std::filesystem::path dir = out / id;
  std::filesystem::create_directories(dir);
  prepared.plan.results_dir = dir;  // the probes' run folders go inside the bisect's
  const std::filesystem::path database =
      o.database.empty() ? out / "harness.db" : std::filesystem::path(o.database);
  Store store(database);
  PageHost host(scenario);

  const int max_probes =
      static_cast<int>(std::ceil(2 * std::log2(std::max<std::size_t>(names.size(), 2)))) + 2;
  console.print(fmt::format("harness bisect {} ({}) in {}: {} component(s): {}; results in {}\n",
                            scenario.name, o.scenario, profile->name(), names.size(),
                            set_text(names), dir.string()));

  install_interrupt_handlers();
  guard_against_being_killed();
  std::vector<ProbeResult> probes;
  std::optional<RunSummary> clean;

  auto write_json = [&](const std::string& state, const std::vector<std::string>& culprits) {
    ordered_json list = ordered_json::array();
    for (const auto& p : probes) list.push_back(probe_json(p, dir));
    ordered_json j = {
        {"scenario", scenario.name},
        {"scenario_file", o.scenario},
        {"browser", profile->name()},
        {"components", names},
        {"state", state},  // running | culprits | not_reproduced | interrupted
        {"culprits", culprits},
        {"clean_run", probes.empty() ? "" : probes.front().run.summary.info.id},
        {"probe_count", probes.size()},
        {"max_probes", max_probes},
        {"started_at", utc_iso8601(started)},
        {"seconds",
         std::chrono::duration<double>(std::chrono::system_clock::now() - started).count()},
        {"probes", list}};
    write_file_atomically(dir / "bisect.json", j.dump(2) + "\n");
  };

  // One run with exactly `present` on, the rest switched off.
  auto run_probe = [&](const std::vector<std::string>& present) -> ProbeResult& {
    if (stop_requested().load()) throw Interrupted{};
    VariantAssignment variant = prepared.variants.front();
    for (const auto& name : names) {
      const bool on = std::find(present.begin(), present.end(), name) != present.end();
      variant.values.emplace_back(name, on ? "on" : "off");
    }
    const int index = static_cast<int>(probes.size()) + 1;
    const RunPlan plan = host.plan_for(prepared, profile, variant, index, max_probes);
    ProbeResult p;
    p.present = present;
    p.run = execute_run(plan, store, console, stop_requested());
    if (clean) {
      const RunSummary& s = p.run.summary;
      const PairComparison c = compare_pair(*clean, s);
      p.regressed = c.kind == ChangeKind::kRegression;
      p.reason = c.reason;
      // A run the components made fail (crash, hang, error) while the clean one completed is
      // worse than any slope; an interrupted one decides nothing.
      if (!p.regressed && s.info.status != RunStatus::kCompleted &&
          s.info.status != RunStatus::kInterrupted) {
        p.regressed = true;
        p.reason = fmt::format("the run did not complete ({}: {}) where the clean run did",
                               status_name(s.info.status), s.info.reason);
      }
    }
    probes.push_back(std::move(p));
    ProbeResult& done = probes.back();
    const RunSummary& s = done.run.summary;
    console.print(fmt::format(
        "probe {} [{}]: {} {}, slope {}/it{}\n", probes.size(), set_text(present),
        status_name(s.info.status), s.verdict ? verdict_name(s.verdict->kind) : "-",
        s.verdict && s.verdict->slope_bytes_per_iteration
            ? format_bytes(*s.verdict->slope_bytes_per_iteration)
            : std::string("-"),
        clean && probes.size() > 1
            ? fmt::format(" -> {}", done.regressed ? "regresses" : "no regression")
            : std::string(" (clean baseline)")));
    write_json("running", {});
    return done;
  };

  int code = kExitOk;
  std::vector<std::string> culprits;
  std::string state;
  try {
    const ProbeResult& baseline = run_probe({});
    if (baseline.run.summary.info.status != RunStatus::kCompleted) {
      state = "not_reproduced";
      console.print(fmt::format("the clean run did not complete ({}: {}): nothing to compare "
                                "against\n",
                                status_name(baseline.run.summary.info.status),
                                baseline.run.summary.info.reason));
      code = kExitFailed;
    } else {
      clean = baseline.run.summary;
      const ProbeResult& all = run_probe(names);
      if (!all.regressed) {
        state = "not_reproduced";
        console.print(fmt::format("not reproduced: with every component the run does not "
                                  "regress against the clean run ({})\n",
                                  all.reason));
        code = kExitFailed;
      } else {
        culprits = find_culprits(names, [&](const std::vector<std::string>& present) {
          return run_probe(present).regressed;
        });
        state = "culprits";
      }
    }
  } catch (const Interrupted&) {
    state = "interrupted";
  }
  write_json(state, culprits);
  try {
    std::vector<LoadedRun> loaded;
    for (const auto& p : probes) loaded.push_back({p.run.summary, p.run.dir});
    write_html_report(loaded, database, dir / "report.html",
                      fmt::format("Bisect {}: {}", scenario.name, utc_iso8601(started)));
  } catch (const std::exception& e) {
    spdlog::warn("no report.html for the bisect: {}", e.what());
  }

  if (state == "culprits") {
    console.print(fmt::format("culprit{}: {} ({} probe runs, {} at most for {} components)\n",
                              culprits.size() == 1 ? "" : "s", set_text(culprits), probes.size(),
                              max_probes, names.size()));
    for (const auto& p : probes) {
      if (p.present == culprits || p.present.size() == names.size()) {
        console.print(fmt::format("  evidence: [{}] run {}: {}\n", set_text(p.present),
                                  p.run.summary.info.id, p.reason));
      }
    }
  }
  std::cout << (dir / "bisect.json").string() << "\n";
  std::cout.flush();
  if (state == "interrupted") return kExitInterrupted;
  return code;
}

}  // namespace harness
