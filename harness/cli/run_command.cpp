#include "harness/cli/run_command.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iostream>

#include "harness/browser/profile.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/interrupt.hpp"
#include "harness/error.hpp"
#include "harness/report/console.hpp"
#include "harness/report/junit.hpp"
#include "harness/report/table.hpp"
#include "harness/run/runner.hpp"
#include "harness/scenario/loader.hpp"
#include "harness/scenario/size.hpp"
#include "harness/serve/beacons.hpp"
#include "harness/serve/page_server.hpp"
#include "harness/store/store.hpp"

namespace harness {

void setup_run_command(CLI::App& app, RunCommandOptions& o) {
  auto* cmd = app.add_subcommand("run", "Run a scenario in one or more browsers and record its "
                                        "memory curve");
  cmd->add_option("scenario", o.scenario, "Scenario file (YAML)")->required();
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
  cmd->add_option("--ceiling", o.ceiling, "Memory ceiling of the renderer, e.g. 1300MiB "
                                          "(default: the scenario's)");
  cmd->add_option("--ceiling-enforce", o.ceiling_enforce,
                  "What the ceiling does: observe, kill (end the renderer), limit (RLIMIT_DATA)")
      ->check(CLI::IsMember({"observe", "kill", "limit"}));
  cmd->add_option("--reload-every", o.reload_every, "Reload the top page every N iterations")
      ->check(CLI::Range(1, 1'000'000));
  cmd->add_option("--restart-every", o.restart_every, "Restart the browser every N iterations")
      ->check(CLI::Range(1, 1'000'000));
  cmd->add_option("--input", o.input,
                  "How steps act on elements: scripted (no driver references, default) or native "
                  "(W3C element references; the driver then retains what it touched)")
      ->check(CLI::IsMember({"scripted", "native"}));
  cmd->add_option("--variant", o.variants,
                  "Pin a variant: name=value or name=v1,v2 (repeatable)");
  cmd->add_option("--out", o.out, "Results folder (default: results)");
  cmd->add_option("--db", o.database, "Results database (default: <out>/harness.db)");
  cmd->add_option("--sample-hz", o.sample_hz, "Sampling rate of the process tree (default: 10)")
      ->check(CLI::Range(0.1, 200.0));
  cmd->add_option("--chromium", o.chromium, "Chromium binary (default: /usr/bin/chromium)");
  cmd->add_option("--chromedriver", o.chromedriver,
                  "chromedriver binary (default: /usr/bin/chromedriver)");
  cmd->add_flag("--headed", o.headed, "Show the browser window (needs a display)");
  cmd->add_flag("-v,--verbose", o.verbose, "Debug logging");
  cmd->add_option("--junit", o.junit, "Also write JUnit XML (one testcase per run) to this file");
}

namespace {

void check_writable_folder(const std::filesystem::path& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  const auto probe = folder / ".harness-write-test";
  std::ofstream out(probe);
  out << "ok";
  out.close();
  if (ec || !out) {
    throw InputError(fmt::format("results folder '{}' is not writable{}", folder.string(),
                                 ec ? ": " + ec.message() : ""));
  }
  std::filesystem::remove(probe, ec);
}

void check_executable(const std::string& path, const std::string& what) {
  if (::access(path.c_str(), X_OK) != 0) {
    throw LaunchError(fmt::format("{} '{}' is missing or not executable; run scripts/setup.sh or "
                                  "pass its path",
                                  what, path));
  }
}

}  // namespace

int run_run_command(const RunCommandOptions& o) {
  const bool interactive = ::isatty(STDERR_FILENO) != 0;
  Console console(interactive);
  console.install_logger(o.verbose);

  // Everything is validated before any browser starts.
  LoadOptions load;
  load.known_browsers = browser_profile_names();
  const Scenario scenario = load_scenario(o.scenario, load);

  std::vector<std::string> browsers = o.browsers.empty() ? scenario.browsers : o.browsers;
  std::vector<const BrowserProfile*> profiles;
  for (const auto& name : browsers) {
    const BrowserProfile* profile = find_browser_profile(name);
    if (!profile) {
      const std::string hint = closest_match(name, load.known_browsers);
      throw InputError(fmt::format("--browser {}: unknown profile; known: {}{}", name,
                                   fmt::join(load.known_browsers, ", "),
                                   hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    profiles.push_back(profile);
  }
  VariantPins pins;
  for (const auto& text : o.variants) {
    auto [name, values] = parse_variant_pin(text);
    pins[name] = values;
  }
  const std::vector<VariantAssignment> variants = expand_variants(scenario, pins);
  const std::filesystem::path out = o.out;
  check_writable_folder(out);
  for (const auto* profile : profiles) {
    if (profile->name() == "chromium") {
      check_executable(o.chromium, "Chromium");
      check_executable(o.chromedriver, "chromedriver");
    }
  }

  BeaconChannel beacons;
  std::unique_ptr<PageServer> server;
  std::string base_url = scenario.start;
  if (scenario.serve_dir) {
    server = std::make_unique<PageServer>(*scenario.serve_dir);
    base_url = server->base_url();
    server->add_route(kBeaconPath, [&beacons](const ServerRequest& r) { return beacons.handle(r); });
  }
  Store store(o.database.empty() ? out / "harness.db" : std::filesystem::path(o.database));

  bool iterations_auto = scenario.iterations_auto;
  int iterations = scenario.iterations;
  if (o.iterations == "auto") {
    iterations_auto = true;
  } else if (!o.iterations.empty()) {
    try {
      std::size_t used = 0;
      iterations = std::stoi(o.iterations, &used);
      if (used != o.iterations.size() || iterations < 1) throw std::invalid_argument("range");
    } catch (const std::exception&) {
      throw InputError(fmt::format("--iterations '{}' must be a whole number >= 1 or auto",
                                   o.iterations));
    }
    iterations_auto = false;
  }
  if (iterations_auto) iterations = o.max_iterations.value_or(scenario.max_iterations);
  Expectations expect;
  if (!scenario.expect.verdict.empty()) expect.verdict = verdict_from_name(scenario.expect.verdict);
  if (scenario.expect.max_slope_bytes) {
    expect.max_slope_bytes = static_cast<double>(*scenario.expect.max_slope_bytes);
  }
  if (scenario.expect.max_peak_bytes) {
    expect.max_peak_bytes = static_cast<double>(*scenario.expect.max_peak_bytes);
  }
  const int warmup = o.warmup.value_or(scenario.warmup);
  CheckpointPolicy checkpoint = scenario.checkpoint;
  if (o.checkpoint_every) checkpoint.every = *o.checkpoint_every;
  if (o.no_gc) checkpoint.gc = false;
  std::optional<Ceiling> ceiling = scenario.ceiling;
  if (!o.ceiling.empty()) {
    auto bytes = parse_size(o.ceiling);
    if (!bytes || *bytes == 0) {
      throw InputError(fmt::format("--ceiling '{}' is not a size; write e.g. 1300MiB", o.ceiling));
    }
    if (!ceiling) ceiling = Ceiling{};
    ceiling->bytes = *bytes;
  }
  if (!o.ceiling_enforce.empty()) {
    if (!ceiling) throw InputError("--ceiling-enforce needs a ceiling (--ceiling or the scenario's)");
    ceiling->enforce = o.ceiling_enforce == "kill"    ? CeilingEnforcement::kKill
                       : o.ceiling_enforce == "limit" ? CeilingEnforcement::kLimit
                                                      : CeilingEnforcement::kObserve;
  }
  const int reload_every = o.reload_every.value_or(scenario.reload_every);
  const int restart_every = o.restart_every.value_or(scenario.restart_every);
  InputMode input = scenario.input;
  if (o.input == "native") input = InputMode::kNative;
  if (o.input == "scripted") input = InputMode::kScripted;
  const auto interval = std::chrono::milliseconds(
      std::max<long>(1, std::lround(1000.0 / o.sample_hz)));

  const bool d = true;
  std::vector<ConfigRow> config = {
      {"scenario", fmt::format("{} ({})", scenario.name, o.scenario), false},
      {"pages", scenario.serve_dir ? fmt::format("{} served at {}", scenario.serve_dir->string(),
                                                 base_url)
                                   : base_url,
       false},
      {"start", scenario.start, false},
      {"browsers", fmt::format("{}", fmt::join(browsers, ", ")),
       o.browsers.empty() && scenario.defaulted.count("browsers")},
      {"variants", variants.size() == 1 && variants[0].values.empty()
                       ? std::string("none")
                       : fmt::format("{} combination(s)", variants.size()),
       false},
      {"iterations", iterations_auto
                         ? fmt::format("auto (until the verdict is decided, at most {}), {} warm-up",
                                       iterations, warmup)
                         : fmt::format("{} measured, {} warm-up", iterations, warmup),
       o.iterations.empty() && scenario.defaulted.count("iterations")},
      {"expect", expect.empty() ? std::string("nothing declared")
                                : fmt::format("{}{}{}",
                                              expect.verdict ? verdict_name(*expect.verdict) : "",
                                              expect.max_slope_bytes
                                                  ? " max_slope " + format_bytes(*expect.max_slope_bytes)
                                                  : "",
                                              expect.max_peak_bytes
                                                  ? " max_peak " + format_bytes(*expect.max_peak_bytes)
                                                  : ""),
       expect.empty()},
      {"checkpoint", fmt::format("every {} iterations, gc {}, settle {} ms", checkpoint.every,
                                 checkpoint.gc ? "on" : "off", checkpoint.settle_ms),
       !o.checkpoint_every && !o.no_gc && scenario.defaulted.count("checkpoint")},
      {"drive", scenario.drive == DriveMode::kPage
                    ? std::string("page (the page runs the workflow; no driver)")
                    : fmt::format("driver, input {}", input_mode_name(input)),
       o.input.empty() && scenario.defaulted.count("input") && scenario.drive == DriveMode::kDriver},
      {"timeouts", fmt::format("step {} ms, page load {} ms, script {} ms",
                               scenario.timeouts.step_ms, scenario.timeouts.page_load_ms,
                               scenario.timeouts.script_ms),
       scenario.defaulted.count("timeouts") > 0},
      {"sampling", fmt::format("{:g} Hz (every {} ms)", o.sample_hz, interval.count()),
       o.sample_hz == 10},
      {"ceiling", ceiling ? fmt::format("{} on {} ({})",
                                        format_bytes(static_cast<double>(ceiling->bytes)),
                                        ceiling->metric, enforcement_name(ceiling->enforce))
                          : std::string("none"),
       !ceiling},
      {"dumps", fmt::format("{} rule(s); on hang: {}", scenario.dumps.rules.size(),
                            scenario.dumps.on_hang ? (scenario.dumps.hang_stack
                                                          ? "minidump and JavaScript stack"
                                                          : "minidump")
                                                   : "nothing"),
       scenario.defaulted.count("dumps") > 0},
      {"mitigation", reload_every || restart_every
                         ? fmt::format("{}{}",
                                       reload_every ? fmt::format("reload every {} ", reload_every)
                                                    : "",
                                       restart_every ? fmt::format("restart every {}", restart_every)
                                                     : "")
                         : std::string("none"),
       !reload_every && !restart_every},
      {"results", fmt::format("{} (database {})", out.string(), store.file().string()),
       o.out == "results" && o.database.empty()},
  };
  (void)d;
  console.print("harness run\n");
  console.print_configuration(config);

  install_interrupt_handlers();
  std::vector<RunResult> results;
  const int total = static_cast<int>(profiles.size() * variants.size());
  int index = 0;
  for (const auto* profile : profiles) {
    for (const auto& variant : variants) {
      if (stop_requested().load()) break;
      RunPlan plan;
      plan.scenario = &scenario;
      plan.profile = profile;
      plan.variant = variant;
      plan.base_url = base_url;
      plan.iterations = iterations;
      plan.iterations_auto = iterations_auto;
      plan.expect = expect;
      plan.warmup = warmup;
      plan.checkpoint = checkpoint;
      plan.input = input;
      plan.ceiling = ceiling;
      plan.dumps = scenario.dumps;
      plan.reload_every = reload_every;
      plan.restart_every = restart_every;
      plan.drive = scenario.drive;
      plan.beacons = &beacons;
      plan.sample_interval = interval;
      plan.results_dir = out;
      plan.launch.chromium_binary = o.chromium;
      plan.launch.chromedriver_binary = o.chromedriver;
      plan.launch.headless = !o.headed;
      plan.index = ++index;
      plan.total = total;
      results.push_back(execute_run(plan, store, console, stop_requested()));
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
