#include "harness/report/report_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "harness/model/time.hpp"
#include "harness/store/store.hpp"
#include "harness/store/summary_json.hpp"

namespace harness {

std::vector<RoleSample> role_samples(const std::vector<SampleBatch>& batches,
                                     std::size_t max_points) {
  std::map<std::int64_t, RoleSample> by_time;
  for (const auto& batch : batches) {
    RoleSample& sample = by_time[batch.t_ms];
    sample.t_s = static_cast<double>(batch.t_ms) / 1000.0;
    for (const auto& p : batch.processes) {
      // A co-running program's tree is a series of its own ("component dlp-agent").
      const std::string key = p.role == ProcessRole::kComponent
                                  ? std::string(role_name(p.role)) + " " + p.subtype
                                  : std::string(role_name(p.role));
      sample.private_bytes[key] += static_cast<double>(p.private_bytes);
    }
  }
  std::vector<RoleSample> all;
  all.reserve(by_time.size());
  for (auto& [t, s] : by_time) all.push_back(std::move(s));
  if (all.size() <= max_points || max_points == 0) return all;
  // Thin: one sample per span, the span's highest value per role.
  std::vector<RoleSample> thinned;
  const double span = static_cast<double>(all.size()) / static_cast<double>(max_points);
  for (std::size_t k = 0; k < max_points; ++k) {
    const std::size_t from = static_cast<std::size_t>(k * span);
    const std::size_t to = std::min(all.size(), static_cast<std::size_t>((k + 1) * span));
    if (from >= to) continue;
    RoleSample s;
    s.t_s = all[from].t_s;
    for (std::size_t i = from; i < to; ++i) {
      for (const auto& [role, bytes] : all[i].private_bytes) {
        s.private_bytes[role] = std::max(s.private_bytes[role], bytes);
      }
    }
    thinned.push_back(std::move(s));
  }
  return thinned;
}

namespace {

// The run's samples from the store: the report's database, else the one the run recorded into
// (its summary's `files.database`, relative to the run folder). None when neither has them.
std::vector<SampleBatch> run_samples(const LoadedRun& run, const Store* store) {
  const std::string& id = run.summary.info.id;
  if (store) {
    auto samples = store->samples(id);
    if (!samples.empty()) return samples;
  }
  auto database = run.summary.files.find("database");
  if (database == run.summary.files.end()) return {};
  const std::filesystem::path own = run.dir / database->second;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(own, ec)) return {};
  if (store && std::filesystem::equivalent(own, store->file(), ec)) return {};
  try {
    return Store(own).samples(id);
  } catch (const std::exception&) {
    return {};  // unreadable: the report draws the run without its memory-by-role chart
  }
}

std::string relative_to(const std::filesystem::path& target, const std::filesystem::path& base) {
  std::error_code ec;
  auto rel = std::filesystem::relative(target, base.empty() ? "." : base, ec);
  return ec ? target.string() : rel.string();
}

void add_steps(ReportRun& run, const std::vector<StepRecord>& steps) {
  std::map<std::string, std::size_t> index;
  for (const auto& s : steps) {
    if (s.phase != "iteration") continue;
    auto it = index.find(s.label);
    if (it == index.end()) {
      it = index.emplace(s.label, run.steps.size()).first;
      run.steps.push_back(StepTiming{s.label, {}, 0});
    }
    StepTiming& timing = run.steps[it->second];
    timing.duration_ms.push_back({s.iteration, s.duration_ms});
    if (!s.ok) timing.failures++;
  }
}

void add_compatibility(ScenarioReport& scenario, const ReportRun& run,
                       const std::vector<StepRecord>& steps, const ReportOptions& options) {
  CompatibilityTable& table = scenario.compatibility;
  const std::string& browser = run.summary.info.browser;
  if (std::find(table.browsers.begin(), table.browsers.end(), browser) == table.browsers.end()) {
    table.browsers.push_back(browser);
  }
  for (const auto& s : steps) {
    if (std::find(table.steps.begin(), table.steps.end(), s.label) == table.steps.end()) {
      table.steps.push_back(s.label);
    }
    CompatibilityCell& cell = table.cells[{s.label, browser}];
    if (s.ok) {
      cell.passed++;
      continue;
    }
    cell.failed++;
    if (cell.failure.empty()) {
      cell.failure = s.error;
      auto shot = run.summary.files.find("failure_screenshot");
      if (shot != run.summary.files.end()) {
        cell.screenshot = relative_to(std::filesystem::path(run.dir) / shot->second,
                                      options.output_dir);
      }
    }
  }
}

std::vector<HistorySeries> build_history(const std::filesystem::path& database) {
  Store store(database);
  std::map<std::string, std::vector<RunSummary>> by_key;
  for (const auto& info : store.runs()) {
    const std::string text = store.run_summary_json(info.id);
    if (text.empty()) continue;
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) continue;
    try {
      by_key[run_key(info)].push_back(summary_from_json(json, info.id));
    } catch (const std::exception&) {
    }
  }
  std::vector<HistorySeries> history;
  for (auto& [key, runs] : by_key) {
    std::sort(runs.begin(), runs.end(), [](const RunSummary& a, const RunSummary& b) {
      return a.info.started_at < b.info.started_at;
    });
    HistorySeries series{key, {}};
    const RunSummary* previous = nullptr;
    for (const auto& r : runs) {
      HistoryPoint p;
      p.run_id = r.info.id;
      p.started_at = r.info.started_at;
      if (r.verdict) {
        p.slope_bytes_per_iteration = r.verdict->slope_bytes_per_iteration;
        p.verdict = verdict_name(r.verdict->kind);
      } else {
        p.verdict = status_name(r.info.status);
      }
      if (r.peak) p.peak_bytes = r.peak->bytes;
      if (previous) {
        const Comparison c = compare_runs({*previous}, {r});
        if (!c.pairs.empty() && c.pairs[0].kind == ChangeKind::kRegression) {
          p.regression = true;
          p.regression_reason = c.pairs[0].reason;
        }
      }
      if (r.info.status == RunStatus::kCompleted) previous = &r;
      series.points.push_back(std::move(p));
    }
    history.push_back(std::move(series));
  }
  return history;
}

}  // namespace

Report build_report(const std::vector<LoadedRun>& runs, const ReportOptions& options) {
  Report report;
  report.title = options.title;
  report.generated_at = utc_iso8601(std::chrono::system_clock::now());
  std::unique_ptr<Store> store;
  std::error_code ec;
  if (!options.database.empty() && std::filesystem::exists(options.database, ec)) {
    store = std::make_unique<Store>(options.database);
  }
  std::vector<RunSummary> current;
  for (const auto& loaded : runs) {
    current.push_back(loaded.summary);
    const std::string& name = loaded.summary.info.scenario;
    auto scenario = std::find_if(report.scenarios.begin(), report.scenarios.end(),
                                 [&](const ScenarioReport& s) { return s.scenario == name; });
    if (scenario == report.scenarios.end()) {
      report.scenarios.push_back(ScenarioReport{name, {}, {}});
      scenario = report.scenarios.end() - 1;
    }
    ReportRun run;
    run.summary = loaded.summary;
    run.dir = relative_to(loaded.dir, options.output_dir);  // links from the report
    run.memory_by_role = role_samples(run_samples(loaded, store.get()), kReportMaxPoints);
    for (const auto& e : loaded.summary.events) {
      if (e.kind != "js_error") continue;
      run.js_errors.push_back(
          {e.t_ms, e.iteration, e.message, e.details.is_object() ? e.details.value("source", "") : ""});
    }
    std::vector<StepRecord> steps;
    if (store) steps = store->steps(loaded.summary.info.id);
    add_steps(run, steps);
    add_compatibility(*scenario, run, steps, options);
    // Dumps and screenshots are linked relative to the report.
    for (auto& d : run.summary.dumps) {
      d.file = relative_to(loaded.dir / d.file, options.output_dir);
    }
    for (auto& [role, file] : run.summary.files) {
      if (role != "database") file = relative_to(loaded.dir / file, options.output_dir);
    }
    scenario->runs.push_back(std::move(run));
  }
  if (options.history && store) report.history = build_history(options.database);
  if (options.baseline) report.comparison = compare_runs(*options.baseline, current);
  return report;
}

}  // namespace harness
