#include "harness/cli/run_command.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>

#include "harness/cli/exit_codes.hpp"
#include "harness/cli/interrupt.hpp"
#include "harness/cli/report_command.hpp"
#include "harness/error.hpp"
#include "harness/cli/console.hpp"
#include "harness/report/junit.hpp"
#include "harness/report/table.hpp"
#include "harness/serve/beacons.hpp"
#include "harness/serve/page_server.hpp"
#include "harness/store/store.hpp"
#include "harness/platform/system.hpp"

namespace harness {

void add_run_override_options(CLI::App* cmd, RunOverrides& o) {
  cmd->add_option("--browser", o.browsers, "Browser profiles, comma-separated (default: the "
                                           "scenario's)")
      ->delimiter(',');
  cmd->add_option("--iterations", o.iterations,
                  "Measured iterations, or auto: until the verdict is decided (default: the "
                  "scenario's)");
  cmd->add_option("--max-iterations", o.max_iterations,
                  "With --iterations auto: stop here at the latest (default: the scenario's, 200)")
      ->check(CLI::Range(1, 1'000'000));
  cmd->add_option("--warmup", o.warmup, "Warm-up iterations, not measured")
      ->check(CLI::Range(0, 10'000));
  cmd->add_option("--checkpoint-every", o.checkpoint_every, "A checkpoint every N iterations")
      ->check(CLI::Range(1, 100'000));
  cmd->add_flag("--no-gc", o.no_gc, "Do not force a GC before checkpoints");
  cmd->add_option("--input", o.input,
                  "How steps act on elements: scripted (no driver references, default) or native "
                  "(W3C element references; the driver then retains what it touched)")
      ->check(CLI::IsMember({"scripted", "native"}));
  cmd->add_option("--ceiling", o.ceiling, "Memory ceiling of the renderer, e.g. 1300MiB "
                                          "(default: the scenario's)");
  cmd->add_option("--ceiling-enforce", o.ceiling_enforce,
                  "What the ceiling does: observe, kill (end the renderer), limit (RLIMIT_DATA)")
      ->check(CLI::IsMember({"observe", "kill", "limit"}));
  cmd->add_option("--reload-every", o.reload_every, "Reload the top page every N iterations")
      ->check(CLI::Range(1, 1'000'000));
  cmd->add_option("--restart-every", o.restart_every, "Restart the browser every N iterations")
      ->check(CLI::Range(1, 1'000'000));
  cmd->add_flag("--attribute", o.attribute,
                "Leak attribution: heap snapshots at the baseline, middle and last checkpoints "
                "(Chromium) and the frames' DOM counts, to say what grew and what holds it");
  cmd->add_option("--variant", o.variants,
                  "Pin a variant: name=value or name=v1,v2 (repeatable)");
  cmd->add_option("--component", o.components,
                  "Switch a component of the scenario: name=on, name=off, or name=on,off for a "
                  "run with and one without it (repeatable)");
  cmd->add_option("--sample-hz", o.sample_hz, "Sampling rate of the process tree (default: 10)")
      ->check(CLI::Range(0.1, 200.0));
  cmd->add_option("--chromium", o.chromium, "Chromium binary (default: /usr/bin/chromium)");
  cmd->add_option("--chromedriver", o.chromedriver,
                  "chromedriver binary (default: /usr/bin/chromedriver)");
  cmd->add_flag("--headed", o.headed, "Show the browser window (needs a display)");
  cmd->add_option("--iedriver", o.iedriver,
                  "IE profiles: IEDriverServer.exe of the profile's bitness (default: "
                  "drivers\\x86 or drivers\\x64 beside harness.exe, then PATH)");
  cmd->add_option("--ie-binary", o.ie_binary,
                  "IE profiles, page mode: the iexplore.exe to start (default: the system's IE11 of "
                  "the profile's bitness)");
  cmd->add_option("--activex", o.activex,
                  "IE profiles: the ActiveX plugin under test, {CLSID}; its DLL and version are "
                  "recorded, and a plugin the profile's tabs cannot load is a finding of the run");
}

void setup_run_command(CLI::App& app, RunCommandOptions& o) {
  auto* cmd = app.add_subcommand("run", "Run a scenario in one or more browsers and record its "
                                        "memory curve");
  cmd->add_option("scenario", o.scenario, "Scenario file (YAML)")->required();
  add_run_override_options(cmd, o.overrides);
  cmd->add_option("--out", o.out, "Results folder (default: results)");
  cmd->add_option("--db", o.database, "Results database (default: <out>/harness.db)");
  cmd->add_flag("-v,--verbose", o.verbose, "Debug logging");
  cmd->add_option("--junit", o.junit, "Also write JUnit XML (one testcase per run) to this file");
  cmd->add_flag("--no-report", o.no_report, "Do not write report.html into each run folder");
}

int run_run_command(const RunCommandOptions& o) {
  const bool interactive = stderr_is_terminal();
  Console console(interactive);
  console.install_logger(o.verbose);

  // Everything is validated before any browser starts.
  const std::filesystem::path out = o.out;
  PreparedScenario prepared = prepare_scenario(o.scenario, o.overrides, out);
  const Scenario& scenario = prepared.scenario;
  check_writable_folder(out);

  PageHost host(scenario);
  if (scenario.serve_dir) {
    prepared.config[1].value =
        fmt::format("{} served at {}", scenario.serve_dir->string(), host.base_url);
  }
  const std::filesystem::path database =
      o.database.empty() ? out / "harness.db" : std::filesystem::path(o.database);
  Store store(database);
  prepared.config.push_back({"results", fmt::format("{} (database {})", out.string(),
                                                    store.file().string()),
                             o.out == "results" && o.database.empty()});
  console.print("harness run\n");
  console.print_configuration(prepared.config);

  install_interrupt_handlers();
  guard_against_being_killed();
  std::vector<RunResult> results;
  const int total = static_cast<int>(prepared.cells());
  int index = 0;
  for (const auto* profile : prepared.profiles) {
    for (const auto& variant : prepared.variants) {
      if (stop_requested().load()) break;
      const RunPlan plan = host.plan_for(prepared, profile, variant, ++index, total);
      results.push_back(execute_run(plan, store, console, stop_requested()));
      if (!o.no_report) {
        try {
          write_html_report({LoadedRun{results.back().summary, results.back().dir}}, database,
                            results.back().dir / "report.html",
                            fmt::format("{}: {}", scenario.name, results.back().summary.info.id));
        } catch (const std::exception& e) {
          spdlog::warn("no report.html for {}: {}", results.back().summary.info.id, e.what());
        }
      }
    }
  }

  std::vector<RunSummary> summaries;
  for (const auto& r : results) summaries.push_back(r.summary);
  console.print("\n" + render_summary_table(summaries));
  for (const auto& r : results) std::cout << (r.dir / "summary.json").string() << "\n";
  std::cout.flush();
  if (!o.junit.empty()) {
    std::ofstream junit(o.junit, std::ios::binary | std::ios::trunc);
    junit << render_run_junit(summaries, "harness run " + scenario.name);
    if (!junit) spdlog::error("cannot write {}", o.junit);
  }

  if (stop_requested().load()) return kExitInterrupted;
  const bool none_launched = std::none_of(results.begin(), results.end(),
                                          [](const RunResult& r) { return r.launched; });
  if (none_launched) return kExitNoResult;
  const bool all_good = std::all_of(results.begin(), results.end(), [](const RunResult& r) {
    return r.summary.info.status == RunStatus::kCompleted && r.summary.expectations.met;
  });
  return all_good ? kExitOk : kExitFailed;
}

}  // namespace harness
