#include "harness/cli/run_plans.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <fstream>

#include "harness/browser/profile.hpp"
#include "harness/error.hpp"
#include "harness/platform/cleanup_journal.hpp"
#include "harness/scenario/loader.hpp"
#include "harness/scenario/yaml_reader.hpp"
#include "harness/model/units.hpp"
#include "harness/platform/system.hpp"
#include "harness/run/checkpoint_schedule.hpp"

namespace harness {

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

PageHost::PageHost(const Scenario& scenario, const std::string& bind,
                   const std::string& public_host)
    : base_url(scenario.start) {
  if (!scenario.serve_dir) return;
  server = std::make_unique<PageServer>(*scenario.serve_dir, bind.empty() ? "127.0.0.1" : bind);
  base_url = server->base_url();
  if (!public_host.empty()) {
    server->allow_host(public_host);
    base_url = fmt::format("http://{}:{}/", public_host, server->port());
  }
  server->add_route(kBeaconPath, [this](const ServerRequest& r) { return beacons.handle(r); });
}

RunPlan PageHost::plan_for(const PreparedScenario& prepared, const BrowserProfile* profile,
                           const VariantAssignment& variant, int index, int total) {
  RunPlan plan = prepared.plan;
  plan.scenario = &prepared.scenario;
  plan.profile = profile;
  plan.variant = variant;
  plan.base_url = base_url;
  plan.beacons = &beacons;
  plan.index = index;
  plan.total = total;
  return plan;
}

namespace {

void check_executable(const std::string& path, const std::string& what) {
  if (!is_executable(path)) {
    throw LaunchError(fmt::format("{} '{}' is missing or not executable; run scripts/setup.sh or "
                                  "pass its path",
                                  what, path));
  }
}

// " (first after 3, 7, 10)" for an adaptive run's early checkpoints, else "".
std::string early_checkpoints_text(const RunPlan& plan) {
  const auto early =
      CheckpointSchedule{plan.checkpoint.every, plan.iterations, plan.iterations_auto}.early();
  return early.empty() ? std::string() : fmt::format(" (first after {})", fmt::join(early, ", "));
}

std::string expectations_text(const Expectations& expect) {
  if (expect.empty()) return "nothing declared";
  std::string text = expect.verdict ? verdict_name(*expect.verdict) : "";
  if (expect.max_slope_bytes) text += " max_slope " + format_bytes(*expect.max_slope_bytes);
  if (expect.max_peak_bytes) text += " max_peak " + format_bytes(*expect.max_peak_bytes);
  return text;
}

}  // namespace

PreparedScenario prepare_scenario(const std::filesystem::path& file, const RunOverrides& o,
                                  const std::filesystem::path& results_dir) {
  PreparedScenario prepared;
  LoadOptions load;
  load.known_browsers = browser_profile_names();
  prepared.scenario = load_scenario(file, load);
  const Scenario& scenario = prepared.scenario;

  const std::vector<std::string> browsers = o.browsers.empty() ? scenario.browsers : o.browsers;
  for (const auto& name : browsers) {
    const BrowserProfile* profile = find_browser_profile(name);
    if (!profile) {
      throw InputError(fmt::format("--browser {}: unknown profile; known: {}{}", name,
                                   fmt::join(load.known_browsers, ", "),
                                   did_you_mean(name, load.known_browsers)));
    }
    prepared.profiles.push_back(profile);
  }
  VariantPins pins;
  for (const auto& text : o.variants) {
    auto [name, values] = parse_variant_pin(text);
    pins[name] = values;
  }
  VariantPins switches;
  for (const auto& text : o.components) {
    try {
      auto [name, values] = parse_variant_pin(text);
      switches[name] = values;
    } catch (const InputError&) {
      throw InputError(fmt::format("--component '{}' must be name=on, name=off or name=on,off",
                                   text));
    }
  }
  add_component_switches(prepared.scenario, switches);
  prepared.variants = expand_variants(scenario, pins);
  for (const auto* profile : prepared.profiles) {
    if (profile->name() == "chromium" && !o.on_grid) {
      check_executable(o.chromium, "Chromium");
      if (scenario.drive == DriveMode::kDriver) check_executable(o.chromedriver, "chromedriver");
    }
  }

  RunPlan& plan = prepared.plan;
  plan.results_dir = results_dir;
  plan.journal_dir = cleanup_journal_dir();
  plan.iterations_auto = scenario.iterations_auto;
  plan.iterations = scenario.iterations;
  if (o.iterations == "auto") {
    plan.iterations_auto = true;
  } else if (!o.iterations.empty()) {
    try {
      std::size_t used = 0;
      plan.iterations = std::stoi(o.iterations, &used);
      if (used != o.iterations.size() || plan.iterations < 1) throw std::invalid_argument("range");
    } catch (const std::exception&) {
      throw InputError(fmt::format("--iterations '{}' must be a whole number >= 1 or auto",
                                   o.iterations));
    }
    plan.iterations_auto = false;
  }
  if (plan.iterations_auto) plan.iterations = o.max_iterations.value_or(scenario.max_iterations);
  if (!scenario.expect.verdict.empty()) {
    plan.expect.verdict = verdict_from_name(scenario.expect.verdict);
  }
  if (scenario.expect.max_slope_bytes) {
    plan.expect.max_slope_bytes = static_cast<double>(*scenario.expect.max_slope_bytes);
  }
  if (scenario.expect.max_peak_bytes) {
    plan.expect.max_peak_bytes = static_cast<double>(*scenario.expect.max_peak_bytes);
  }
  plan.warmup = o.warmup.value_or(scenario.warmup);
  plan.checkpoint = scenario.checkpoint;
  if (o.checkpoint_every) plan.checkpoint.every = *o.checkpoint_every;
  if (o.no_gc) plan.checkpoint.gc = false;
  plan.ceiling = scenario.ceiling;
  if (!o.ceiling.empty()) {
    auto bytes = parse_size(o.ceiling);
    if (!bytes || *bytes == 0) {
      throw InputError(fmt::format("--ceiling '{}' is not a size; write e.g. 1300MiB", o.ceiling));
    }
    if (!plan.ceiling) plan.ceiling = Ceiling{};
    plan.ceiling->bytes = *bytes;
  }
  if (!o.ceiling_enforce.empty()) {
    if (!plan.ceiling) {
      throw InputError("--ceiling-enforce needs a ceiling (--ceiling or the scenario's)");
    }
    plan.ceiling->enforce = o.ceiling_enforce == "kill"    ? CeilingEnforcement::kKill
                            : o.ceiling_enforce == "limit" ? CeilingEnforcement::kLimit
                                                           : CeilingEnforcement::kObserve;
  }
  plan.dumps = scenario.dumps;
  plan.reload_every = o.reload_every.value_or(scenario.reload_every);
  plan.restart_every = o.restart_every.value_or(scenario.restart_every);
  plan.attribution = o.attribute || scenario.attribution;
  plan.drive = scenario.drive;
  plan.input = scenario.input;
  if (o.input == "native") plan.input = InputMode::kNative;
  if (o.input == "scripted") plan.input = InputMode::kScripted;
  plan.sample_interval =
      std::chrono::milliseconds(std::max<long>(1, std::lround(1000.0 / o.sample_hz)));
  plan.launch.chromium_binary = o.chromium;
  plan.launch.chromedriver_binary = o.chromedriver;
  plan.launch.headless = !o.headed;
  plan.launch.iedriver_binary = o.iedriver;
  plan.launch.ie_binary = o.ie_binary;
  plan.launch.activex_clsid = o.activex;

  std::string components = scenario.components.empty() ? "none" : "";
  for (const auto& c : scenario.components) {
    components += fmt::format("{}{} ({}{})", components.empty() ? "" : ", ", c.name,
                              component_kind_name(c.kind),
                              c.version.empty() ? "" : " " + c.version);
  }
  const bool iterations_default = o.iterations.empty() && scenario.defaulted.count("iterations");
  prepared.config = {
      {"scenario", fmt::format("{} ({})", scenario.name, file.string()), false},
      {"pages", scenario.serve_dir ? scenario.serve_dir->string() + " (served on 127.0.0.1)"
                                   : scenario.start,
       false},
      {"start", scenario.start, false},
      {"browsers", fmt::format("{}", fmt::join(browsers, ", ")),
       o.browsers.empty() && scenario.defaulted.count("browsers")},
      {"components", components, scenario.components.empty()},
      {"variants", prepared.variants.size() == 1 && prepared.variants[0].values.empty()
                       ? std::string("none")
                       : fmt::format("{} combination(s)", prepared.variants.size()),
       false},
      {"iterations",
       plan.iterations_auto
           ? fmt::format("auto (until the verdict is decided, at most {}), {} warm-up",
                         plan.iterations, plan.warmup)
           : fmt::format("{} measured, {} warm-up", plan.iterations, plan.warmup),
       iterations_default},
      {"expect", expectations_text(plan.expect), plan.expect.empty()},
      {"checkpoint", fmt::format("every {} iterations{}, gc {}, settle {} ms", plan.checkpoint.every,
                                 early_checkpoints_text(plan), plan.checkpoint.gc ? "on" : "off",
                                 plan.checkpoint.settle_ms),
       !o.checkpoint_every && !o.no_gc && scenario.defaulted.count("checkpoint")},
      {"drive", scenario.drive == DriveMode::kPage
                    ? std::string("page (the page runs the workflow; no driver)")
                    : fmt::format("driver, input {}", input_mode_name(plan.input)),
       o.input.empty() && scenario.defaulted.count("input") && scenario.drive == DriveMode::kDriver},
      {"timeouts", fmt::format("step {} ms, page load {} ms, script {} ms, hang {} ms",
                               scenario.timeouts.step_ms, scenario.timeouts.page_load_ms,
                               scenario.timeouts.script_ms, scenario.timeouts.hang_ms),
       scenario.defaulted.count("timeouts") > 0},
      {"sampling", fmt::format("{:g} Hz (every {} ms)", o.sample_hz, plan.sample_interval.count()),
       o.sample_hz == 10},
      {"ceiling", plan.ceiling ? fmt::format("{} on {} ({})",
                                             format_bytes(static_cast<double>(plan.ceiling->bytes)),
                                             plan.ceiling->metric,
                                             enforcement_name(plan.ceiling->enforce))
                               : std::string("none"),
       !plan.ceiling},
      {"dumps", fmt::format("{} rule(s); on hang: {}", scenario.dumps.rules.size(),
                            scenario.dumps.on_hang ? (scenario.dumps.hang_stack
                                                          ? "minidump and JavaScript stack"
                                                          : "minidump")
                                                   : "nothing"),
       scenario.defaulted.count("dumps") > 0},
      {"mitigation",
       plan.reload_every || plan.restart_every
           ? fmt::format("{}{}",
                         plan.reload_every ? fmt::format("reload every {} ", plan.reload_every) : "",
                         plan.restart_every ? fmt::format("restart every {}", plan.restart_every)
                                            : "")
           : std::string("none"),
       !plan.reload_every && !plan.restart_every},
      {"attribution",
       plan.attribution ? std::string("on: heap snapshots at the baseline, middle and last "
                                      "checkpoints; frames' DOM counts at every checkpoint")
                        : std::string("off"),
       !plan.attribution},
  };
  return prepared;
}

}  // namespace harness
