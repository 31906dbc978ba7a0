// From a scenario file and the command line's overrides to validated run plans: shared by
// `harness run` (one scenario) and `harness matrix` (many). Everything is checked here, before
// any browser starts.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness/cli/console.hpp"
#include "harness/run/runner.hpp"
#include "harness/scenario/scenario.hpp"
#include "harness/scenario/variants.hpp"
#include "harness/serve/beacons.hpp"
#include "harness/serve/page_server.hpp"

namespace harness {

// What the command line (or a matrix entry) may override; empty/nullopt: the scenario's.
struct RunOverrides {
  std::vector<std::string> browsers;
  std::string iterations;  // a number or "auto"
  std::optional<int> max_iterations;
  std::optional<int> warmup;
  std::optional<int> checkpoint_every;
  bool no_gc = false;
  std::string input;  // scripted | native
  std::string ceiling;
  std::string ceiling_enforce;
  std::optional<int> reload_every;
  std::optional<int> restart_every;
  bool attribute = false;  // --attribute: as `attribution: true`
  std::vector<std::string> variants;  // name=value[,value...]
  std::vector<std::string> components;  // component switches: name=on|off|on,off
  double sample_hz = 10;
  std::string chromium = "/usr/bin/chromium";
  std::string chromedriver = "/usr/bin/chromedriver";
  bool headed = false;
  std::string iedriver;
  std::string ie_binary;
  std::string activex;
  bool on_grid = false;  // the browsers run on Grid nodes: no local binaries needed
};

struct PreparedScenario {
  Scenario scenario;
  std::vector<const BrowserProfile*> profiles;
  std::vector<VariantAssignment> variants;
  // Everything but the scenario pointer (set it to &scenario where the object lives), profile,
  // variant, base URL, beacons, index and total.
  RunPlan plan;
  std::vector<ConfigRow> config;  // the effective configuration, defaults marked

  std::size_t cells() const { return profiles.size() * variants.size(); }
};

// Throws ScenarioError / InputError (exit 2) or LaunchError (missing browser binaries, exit 3).
PreparedScenario prepare_scenario(const std::filesystem::path& file, const RunOverrides& o,
                                  const std::filesystem::path& results_dir);

// Where a scenario's pages come from during its runs: the harness's own server on 127.0.0.1
// (with the page-mode beacon route) when the scenario has `serve:`, else its absolute start URL.
// On a Grid (matrix --grid) the nodes must reach it: `bind` is the address it listens on and
// `public_host` the name its URLs carry (and that it answers for).
struct PageHost {
  explicit PageHost(const Scenario& scenario, const std::string& bind = "127.0.0.1",
                    const std::string& public_host = "");
  BeaconChannel beacons;  // declared before the server: the server stops first
  std::unique_ptr<PageServer> server;
  std::string base_url;

  // A plan of `prepared` for one cell.
  RunPlan plan_for(const PreparedScenario& prepared, const BrowserProfile* profile,
                   const VariantAssignment& variant, int index, int total);
};

// Creates the folder if needed and checks it takes a file. Throws InputError.
void check_writable_folder(const std::filesystem::path& folder);

}  // namespace harness
