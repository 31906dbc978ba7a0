#include "harness/cli/matrix_command.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <functional>
#include <map>
#include <iostream>
#include <mutex>
#include <thread>

#include "harness/browser/profile.hpp"
#include "harness/cli/console.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/interrupt.hpp"
#include "harness/cli/report_command.hpp"
#include "harness/cli/run_command.hpp"
#include "harness/error.hpp"
#include "harness/grid/agent_protocol.hpp"
#include "harness/grid/remote_session.hpp"
#include "harness/model/time.hpp"
#include "harness/report/junit.hpp"
#include "harness/report/markdown.hpp"
#include "harness/report/report_loader.hpp"
#include "harness/report/table.hpp"
#include "harness/scenario/matrix.hpp"
#include "harness/serve/beacons.hpp"
#include "harness/serve/page_server.hpp"
#include "harness/store/store.hpp"
#include "harness/platform/system.hpp"

namespace harness {

void setup_matrix_command(CLI::App& app, MatrixCommandOptions& o) {
  auto* cmd = app.add_subcommand("matrix", "Run a matrix of scenarios × browsers × variants "
                                           "(nightly CI); one folder with report.html, junit.xml, "
                                           "summary.md");
  cmd->add_option("matrix", o.matrix, "Matrix file (YAML)")->required();
  add_run_override_options(cmd, o.overrides);
  cmd->add_option("--out", o.out, "Results folder (default: results)");
  cmd->add_option("--db", o.database, "Results database (default: <out>/harness.db)");
  cmd->add_option("--junit", o.junit, "Also write JUnit XML to this file");
  cmd->add_flag("-v,--verbose", o.verbose, "Debug logging");
  cmd->add_option("--grid", o.grid,
                  "Run every cell as a session of this Selenium Grid hub (http://hub:4444), "
                  "memory read by `harness agent` beside each node (docs/grid.md)");
  cmd->add_option("--parallel", o.parallel,
                  "Grid: cells at once (default: the Grid's free slots for the browser)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--token-file", o.token_file, "Grid: the agents' shared token");
}

namespace {

// matrix.json: the cells so far, rewritten after each one so that a killed matrix still lists
// what it ran.
void write_matrix_json(const std::filesystem::path& dir, const Matrix& matrix, const std::string& id,
                       const std::string& started_at, const std::vector<RunResult>& results,
                       int total, bool finished) {
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  for (const auto& r : results) {
    std::error_code ec;
    runs.push_back({{"run_id", r.summary.info.id},
                    {"dir", std::filesystem::relative(r.dir, dir, ec).string()},
                    {"scenario", r.summary.info.scenario},
                    {"browser", r.summary.info.browser},
                    {"status", status_name(r.summary.info.status)},
                    {"verdict", r.summary.verdict ? verdict_name(r.summary.verdict->kind) : ""}});
  }
  nlohmann::ordered_json j = {{"id", id},
                              {"name", matrix.name},
                              {"file", matrix.file.string()},
                              {"started_at", started_at},
                              {"finished", finished},
                              {"cells", total},
                              {"runs", runs}};
  write_file_atomically(dir / "matrix.json", j.dump(2) + "\n");
}

// The cells as Grid sessions, `parallel` at once (the Grid's free slots for Chromium unless told).
// Each worker writes through its own connection to the one results database (SQLite in WAL mode
// serialises the writers; store.cpp opens transactions IMMEDIATE). Results come back in cell
// order.
std::vector<RunResult> run_on_grid(const MatrixGrid& grid, std::vector<PreparedScenario>& prepared,
                                   int total, const std::filesystem::path& database,
                                   Console& console,
                                   const std::function<void(const std::vector<RunResult>&)>& progress) {
  GridOptions options;
  options.hub_url = grid.url;
  options.token = read_token_file(grid.token_file);
  options.agents = grid.agents;
  int parallel = grid.parallel;
  if (parallel <= 0) {
    parallel = grid_free_slots(options, "chrome");
    if (parallel <= 0) {
      throw LaunchError(fmt::format("the Grid at {} has no free Chromium slot (no node "
                                    "registered?); give --parallel N to queue on it anyway",
                                    grid.url));
    }
  }
  parallel = std::min(parallel, total);
  console.print(fmt::format("  on Selenium Grid {}: {} cell(s) at once\n", grid.url, parallel));

  std::vector<std::unique_ptr<PageHost>> hosts;
  std::map<const BrowserProfile*, std::unique_ptr<GridProfile>> profiles;
  std::vector<RunPlan> plans;
  for (auto& p : prepared) {
    hosts.push_back(std::make_unique<PageHost>(p.scenario, grid.serve_bind, grid.serve_host));
    for (const auto* profile : p.profiles) {
      auto& remote = profiles[profile];
      if (!remote) remote = std::make_unique<GridProfile>(*profile, options);
      for (const auto& variant : p.variants) {
        plans.push_back(hosts.back()->plan_for(p, remote.get(), variant,
                                               static_cast<int>(plans.size()) + 1, total));
      }
    }
  }
  std::vector<std::optional<RunResult>> slots(plans.size());
  std::mutex mutex;
  std::atomic<std::size_t> next{0};
  // What would end a sequential matrix (an error outside any run) ends this one too: the first
  // such exception stops the workers taking cells and is rethrown once they have returned.
  std::exception_ptr failure;
  auto worker = [&] {
    try {
      Store store(database);
      for (std::size_t i = next++; i < plans.size(); i = next++) {
        {
          std::lock_guard lock(mutex);
          if (stop_requested().load() || failure) break;
        }
        RunResult result = execute_run(plans[i], store, console, stop_requested());
        std::lock_guard lock(mutex);
        slots[i] = std::move(result);
        std::vector<RunResult> so_far;
        for (const auto& r : slots) {
          if (r) so_far.push_back(*r);
        }
        progress(so_far);
      }
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  std::vector<std::thread> workers;
  for (int i = 0; i < parallel; ++i) workers.emplace_back(worker);
  for (auto& w : workers) w.join();
  if (failure) std::rethrow_exception(failure);
  std::vector<RunResult> results;
  for (auto& r : slots) {
    if (r) results.push_back(std::move(*r));
  }
  return results;
}

}  // namespace

int run_matrix_command(const MatrixCommandOptions& o) {
  const bool interactive = stderr_is_terminal();
  Console console(interactive);
  console.install_logger(o.verbose);

  // Every scenario of every entry is validated before any browser starts.
  LoadOptions load;
  load.known_browsers = browser_profile_names();
  const Matrix matrix = load_matrix(o.matrix, load);
  const std::filesystem::path out = o.out;
  std::optional<MatrixGrid> grid = matrix.grid;
  if (!o.grid.empty()) {
    if (!grid) grid.emplace();
    grid->url = o.grid;
  }
  if (grid) {
    if (grid->url.empty()) {
      throw InputError(fmt::format("{}: grid: needs url (the hub's URL), or give --grid URL",
                                   o.matrix));
    }
    if (o.parallel > 0) grid->parallel = o.parallel;
    if (!o.token_file.empty()) grid->token_file = o.token_file;
    if (grid->token_file.empty()) {
      throw InputError("a Grid matrix needs the agents' token: --token-file FILE or "
                       "grid: {token_file: FILE} (docs/grid.md)");
    }
    parse_http_url(grid->url);
  }
  std::vector<PreparedScenario> prepared;
  for (const auto& entry : matrix.entries) {
    RunOverrides overrides = o.overrides;
    overrides.on_grid = grid.has_value();
    if (overrides.browsers.empty()) overrides.browsers = entry.browsers;
    if (overrides.iterations.empty()) overrides.iterations = entry.iterations;
    overrides.variants.insert(overrides.variants.end(), entry.variants.begin(),
                              entry.variants.end());
    overrides.components.insert(overrides.components.end(), entry.components.begin(),
                                entry.components.end());
    prepared.push_back(prepare_scenario(entry.scenario, overrides, out));
  }
  check_writable_folder(out);
  const std::filesystem::path database =
      o.database.empty() ? out / "harness.db" : std::filesystem::path(o.database);
  Store store(database);

  const auto now = std::chrono::system_clock::now();
  const std::string started_at = utc_iso8601(now);
  std::string id = utc_compact(now) + "-matrix-" + matrix.name;
  for (char& c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '-';
  }
  const std::filesystem::path dir = out / id;
  std::filesystem::create_directories(dir);
  store.upsert_matrix({id, matrix.name, started_at, dir.string(), false});

  int total = 0;
  for (const auto& p : prepared) total += static_cast<int>(p.cells());
  console.print(fmt::format("harness matrix {} ({}): {} cells, results in {}\n", matrix.name,
                            o.matrix, total, dir.string()));
  for (const auto& p : prepared) {
    console.print(fmt::format("  {}: {} browser(s) × {} variant(s)\n", p.scenario.name,
                              p.profiles.size(), p.variants.size()));
  }
  console.begin_matrix(total);

  install_interrupt_handlers();
  guard_against_being_killed();
  std::vector<RunResult> results;
  if (!grid) {
    int index = 0;
    for (auto& p : prepared) {
      PageHost host(p.scenario);
      for (const auto* profile : p.profiles) {
        for (const auto& variant : p.variants) {
          if (stop_requested().load()) break;
          const RunPlan plan = host.plan_for(p, profile, variant, ++index, total);
          results.push_back(execute_run(plan, store, console, stop_requested()));
          write_matrix_json(dir, matrix, id, started_at, results, total, false);
        }
      }
    }
  } else {
    results = run_on_grid(*grid, prepared, total, database, console,
                          [&](const std::vector<RunResult>& so_far) {
                            write_matrix_json(dir, matrix, id, started_at, so_far, total, false);
                          });
  }
  write_matrix_json(dir, matrix, id, started_at, results, total, true);

  std::vector<RunSummary> summaries;
  std::vector<LoadedRun> loaded;
  for (const auto& r : results) {
    summaries.push_back(r.summary);
    loaded.push_back({r.summary, r.dir});
  }
  console.print("\n" + render_summary_table(summaries));
  const std::string junit = render_run_junit(summaries, "harness matrix " + matrix.name);
  write_file_atomically(dir / "junit.xml", junit);
  if (!o.junit.empty()) write_file_atomically(o.junit, junit);
  try {
    ReportOptions options;
    options.title = fmt::format("Matrix {}: {}", matrix.name, started_at);
    options.database = database;
    options.output_dir = dir;
    const Report report = build_report(loaded, options);
    write_file_atomically(dir / "summary.md", render_markdown(report));
    write_html_report(loaded, database, dir / "report.html", options.title);
  } catch (const std::exception& e) {
    spdlog::error("the matrix report could not be written: {}", e.what());
  }
  // The matrix folder is the data: stdout, for scripts (ci/nightly).
  std::cout << dir.string() << "\n";
  std::cout.flush();

  if (stop_requested().load()) return kExitInterrupted;
  if (std::none_of(results.begin(), results.end(), [](const RunResult& r) { return r.launched; })) {
    return kExitNoResult;
  }
  const bool all_good = std::all_of(results.begin(), results.end(), [](const RunResult& r) {
    return r.summary.info.status == RunStatus::kCompleted && r.summary.expectations.met;
  });
  return all_good ? kExitOk : kExitFailed;
}

}  // namespace harness
