// A fixed Report for the HTML reporter's golden and behavioural tests: one scenario run in two
// browsers × two variants (a stable run with reloads and JavaScript errors, a retaining run with
// a projection and a heap snapshot, a run that failed a step with a screenshot, a run killed at
// the ceiling with a minidump), a history with a regression, and a baseline comparison.
// Values are made by formulas, not measured; verdicts and projections are set by hand so the
// golden file does not change when the analysis wording does.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "fixed_model.hpp"
#include "harness/report/report_model.hpp"

namespace harness::testing {

inline constexpr double kFixedMiB = 1048576.0;

namespace fixed_report_detail {

inline RunSummary base_run(const std::string& id, const std::string& browser,
                           const std::string& retention) {
  RunSummary s = fixed_summary();
  RunInfo& r = s.info;
  r.id = id;
  r.browser = browser;
  r.variant = {{"retention", retention}};
  r.iterations_planned = 60;
  r.iterations_completed = 60;
  r.warmup = 5;
  r.checkpoint_every = 5;
  r.ceiling_bytes = 1300 * 1048576ull;
  r.start_url = "http://127.0.0.1:4000/vtm-review/index.html?retention=" + retention;
  if (browser == "ie11") {
    r.browser_version = "11.0.19041.1";
    r.driver_version = "4.14.0.0";
    r.input_mode = "scripted";
  }
  r.results_dir = "results/" + id;
  r.reason = "60 iterations completed";
  // "20261122T170140Z-..." -> "2026-11-22T17:01:40.000Z"
  r.started_at = id.substr(0, 4) + "-" + id.substr(4, 2) + "-" + id.substr(6, 2) + "T" +
                 id.substr(9, 2) + ":" + id.substr(11, 2) + ":" + id.substr(13, 2) + ".000Z";
  s.checkpoints.clear();
  s.events.clear();
  s.events.push_back({1500, 0, "browser_started", browser + " " + r.browser_version, {}});
  s.files = {{"summary", "summary.json"}, {"checkpoints", "checkpoints.csv"}};
  s.ceiling = CeilingReport{1300 * kFixedMiB, "renderer.private_bytes", "observe", {}, {}, {}, {}};
  return s;
}

// Checkpoints every 5 iterations from 0 to `last`: renderer private memory from `bytes(i)`,
// the interval peak `peak_factor` above it, and a JS heap that follows it.
template <typename F>
void add_checkpoints(RunSummary& s, int last, F bytes, double peak_factor) {
  for (int i = 0; i <= last; i += 5) {
    CheckpointRecord c;
    c.iteration = i;
    c.t_ms = 3000 + i * 500;
    c.gc = true;
    c.metrics[metric::kRendererPrivate] = bytes(i);
    c.metrics[metric::kRendererPrivatePeak] = bytes(i) * peak_factor;
    c.metrics[metric::kJsHeapUsed] = 2.0 * kFixedMiB + bytes(i) * 0.05;
    s.checkpoints.push_back(c);
  }
}

inline void add_responsiveness(RunSummary& s, int last, int spike_at) {
  for (int i = 1; i <= last; ++i) {
    s.iteration_ms.push_back({i, 320.0 + (i % 7) * 12});
    s.heartbeat_max_ms.push_back({i, i == spike_at ? 850.0 : 20.0 + (i % 5) * 6});
  }
}

inline std::vector<RoleSample> role_samples(const std::vector<std::string>& roles, int seconds,
                                            double renderer_start, double renderer_per_s) {
  std::vector<RoleSample> samples;
  for (int t = 0; t <= seconds; ++t) {
    RoleSample r;
    r.t_s = t;
    r.private_bytes[roles[0]] = renderer_start + renderer_per_s * t + (t % 4) * 1.5 * kFixedMiB;
    r.private_bytes[roles[1]] = 88 * kFixedMiB + t * 0.1 * kFixedMiB;
    if (roles.size() > 2) r.private_bytes[roles[2]] = 21 * kFixedMiB;
    if (roles.size() > 3) r.private_bytes[roles[3]] = 9 * kFixedMiB + (t % 3) * 0.5 * kFixedMiB;
    samples.push_back(r);
  }
  return samples;
}

inline const std::vector<std::string>& step_labels() {
  static const std::vector<std::string> labels = {"click #next-customer",
                                                  "frame #review-frame: type #note",
                                                  "frame #review-frame: select #decision",
                                                  "frame #review-frame: click #approve",
                                                  "click #close-review",
                                                  "wait_for vtm.state == idle"};
  return labels;
}

// Step timings for iterations 1..last; `failed_step` fails in iteration last + 1.
inline std::vector<StepTiming> step_timings(int last, int failed_step = -1) {
  std::vector<StepTiming> steps;
  for (std::size_t k = 0; k < step_labels().size(); ++k) {
    StepTiming t;
    t.label = step_labels()[k];
    for (int i = 1; i <= last; ++i) {
      t.duration_ms.push_back({i, 18.0 + 7.0 * k + (i * (k + 3)) % 11});
    }
    if (static_cast<int>(k) == failed_step) {
      t.duration_ms.push_back({last + 1, 5000});
      t.failures = 1;
    }
    steps.push_back(t);
  }
  return steps;
}

inline Verdict verdict(VerdictKind kind, const std::string& reason, double slope, double lo,
                       double hi) {
  Verdict v;
  v.kind = kind;
  v.reason = reason;
  v.metrics = {metric::kRendererPrivate};
  v.slope_bytes_per_iteration = slope;
  v.ci95 = std::make_pair(lo, hi);
  MetricVerdict m;
  m.metric = metric::kRendererPrivate;
  m.unit = "bytes";
  m.kind = kind;
  m.reason = reason;
  m.slope = slope;
  m.ci95_low = lo;
  m.ci95_high = hi;
  m.theil_sen = slope;
  m.threshold = 256 * 1024;
  v.per_metric.push_back(m);
  return v;
}

}  // namespace fixed_report_detail

inline Report fixed_report() {
  namespace d = fixed_report_detail;
  constexpr double MiB = kFixedMiB;

  // 1. chromium, retention=none: completed, stable, reloaded every 20 iterations, JS errors.
  ReportRun none;
  none.dir = "20261122T170102Z-vtm-review-chromium-retention=none";
  none.summary = d::base_run(none.dir, "chromium", "none");
  d::add_checkpoints(
      none.summary, 60, [&](int i) { return (38.6 + 0.15 * i - 0.0012 * i * i) * MiB; }, 1.3);
  none.summary.events.push_back(
      {13100, 20, "reloaded", "top-level navigation after iteration 20 (reload_every 20)", {}});
  none.summary.events.push_back(
      {23300, 40, "reloaded", "top-level navigation after iteration 40 (reload_every 20)", {}});
  none.summary.mitigation = {20, 0, 2, 0, true};
  none.summary.verdict = d::verdict(
      VerdictKind::kStable,
      "every metric is stable (3 metrics over iterations 0–60); renderer.private_bytes grows "
      "79.4 KiB/iteration (95 % CI [52.1 KiB, 106.7 KiB]), below 256.0 KiB",
      79.4 * 1024, 52.1 * 1024, 106.7 * 1024);
  none.summary.peak = Peak{metric::kRendererPrivate, 51.2 * MiB, 27800, 57};
  none.summary.info.duration_s = 33.4;
  d::add_responsiveness(none.summary, 60, 33);
  none.memory_by_role =
      d::role_samples({"renderer", "browser", "gpu", "utility"}, 33, 38 * MiB, 0.15 * MiB);
  none.steps = d::step_timings(60);
  for (int i : {3, 9, 15}) {
    none.js_errors.push_back(
        {2500 + i * 500, i, "Uncaught TypeError: Cannot read properties of null (reading 'focus')",
         "http://127.0.0.1:4000/vtm-review/review.js:41:17"});
  }
  none.js_errors.push_back({30100, 58, "Uncaught Error: <b>queue</b> & \"reviews\" out of sync",
                            "http://127.0.0.1:4000/vtm-review/queue.js:7:3"});

  // 2. chromium, retention=window: completed, retains, projected to reach the ceiling.
  ReportRun window;
  window.dir = "20261122T170140Z-vtm-review-chromium-retention=window";
  window.summary = d::base_run(window.dir, "chromium", "window");
  d::add_checkpoints(
      window.summary, 60, [&](int i) { return (52.0 + 9.5 * i) * MiB; }, 1.35);
  window.summary.verdict = d::verdict(
      VerdictKind::kRetains,
      "renderer.private_bytes grows 9.5 MiB/iteration (95 % CI [9.3 MiB, 9.7 MiB], Theil–Sen "
      "9.5 MiB), above the threshold of 256.0 KiB: +570.0 MiB in all",
      9.5 * MiB, 9.3 * MiB, 9.7 * MiB);
  // The line through the peaks, 1.35 × (52 + 9.5·i) MiB, meets the ceiling at 95.9.
  window.summary.projection =
      Projection{metric::kRendererPrivatePeak, 1300 * MiB, 95.9, 90.1, 99.0, 51.0, 47.1, 51.5, 0.5};
  window.summary.projection->fit_intercept = 70.2 * MiB;
  window.summary.projection->fit_slope_per_iteration = 12.825 * MiB;
  window.summary.projection->fit_last_iteration = 60;
  window.summary.peak = Peak{metric::kRendererPrivate, 861.2 * MiB, 32900, 60};
  window.summary.expect.verdict = VerdictKind::kStable;
  window.summary.expectations = {true, false, {"verdict is retains, expected stable"}};
  window.summary.dumps.push_back(
      {16100, 26, "heap_snapshot", "private >= 300 MiB (rule 1, dump 1/10)", "private", 301.5 * MiB,
       "dumps/heap-it26.heapsnapshot", static_cast<std::uint64_t>(45 * MiB)});
  window.summary.events.push_back({16100,
                                   26,
                                   "dump_written",
                                   "private >= 300 MiB: dumps/heap-it26.heapsnapshot (45.0 MiB)",
                                   {}});
  window.summary.info.duration_s = 35.9;
  d::add_responsiveness(window.summary, 60, -1);
  window.memory_by_role =
      d::role_samples({"renderer", "browser", "gpu", "utility"}, 35, 52 * MiB, 18 * MiB);
  window.steps = d::step_timings(60);

  // 3. ie11, retention=none: a step failed in iteration 23 (screenshot), insufficient.
  ReportRun failed;
  failed.dir = "20261122T171500Z-vtm-review-ie11-retention=none";
  failed.summary = d::base_run(failed.dir, "ie11", "none");
  d::add_checkpoints(
      failed.summary, 20, [&](int i) { return (61.0 + 0.2 * i) * MiB; }, 1.0);
  failed.summary.info.status = RunStatus::kStepFailed;
  failed.summary.info.reason =
      "step \"frame #review-frame: click #approve\" failed in iteration 23 "
      "(scenarios/vtm-review.yaml:17:11): no element matches \"#approve\" within 5000 ms";
  failed.summary.info.iterations_completed = 22;
  failed.summary.info.duration_s = 21.7;
  failed.summary.events.push_back({14600,
                                   23,
                                   "step_failed",
                                   "no element matches \"#approve\" within 5000 ms",
                                   {{"step", "frame #review-frame: click #approve"}}});
  failed.summary.files["screenshot"] = "screenshots/failure-iteration-23.png";
  failed.summary.verdict = d::verdict(
      VerdictKind::kInsufficient,
      "renderer.private_bytes looks flat (+4.0 MiB) but only 20 iterations were measured; 20 "
      "are needed",
      0.2 * MiB, 0.05 * MiB, 0.35 * MiB);
  failed.summary.peak = Peak{metric::kRendererPrivate, 66.0 * MiB, 13900, 21};
  d::add_responsiveness(failed.summary, 22, -1);
  failed.memory_by_role = d::role_samples({"tab", "frame"}, 21, 61 * MiB, 0.2 * MiB);
  failed.steps = d::step_timings(22, 3);
  for (int i = 1; i <= 22; ++i) {
    failed.js_errors.push_back({3000 + i * 500, i,
                                "Object doesn't support property or method 'closest'",
                                "http://127.0.0.1:4000/vtm-review/review.js:88:5"});
  }

  // 4. ie11, retention=window: killed at the ceiling in iteration 96, minidump.
  ReportRun killed;
  killed.dir = "20261122T171640Z-vtm-review-ie11-retention=window";
  killed.summary = d::base_run(killed.dir, "ie11", "window");
  d::add_checkpoints(
      killed.summary, 95, [&](int i) { return (60.0 + 12.4 * i) * MiB; }, 1.0);
  killed.summary.info.status = RunStatus::kCeilingReached;
  killed.summary.info.reason =
      "the renderer passed the ceiling of 1.27 GiB in iteration 96 and was ended (enforce: kill)";
  killed.summary.info.iterations_planned = 200;
  killed.summary.info.iterations_completed = 95;
  killed.summary.info.duration_s = 51.2;
  killed.summary.ceiling->enforce = "kill";
  killed.summary.ceiling->reached_iteration = 96;
  killed.summary.ceiling->reached_t_ms = 51000;
  killed.summary.ceiling->reached_bytes = 1301.4 * MiB;
  killed.summary.ceiling->early_projection =
      Projection{metric::kRendererPrivate, 1300 * MiB, 99.5, 93.0, 107.8, 52.7, 49.5, 56.9, 0.5};
  killed.summary.events.push_back(
      {51000,
       96,
       "ceiling_reached",
       "renderer private memory 1.27 GiB passed the ceiling of 1.27 GiB (kill)",
       {}});
  killed.summary.events.push_back(
      {51050, 96, "crashed", "the renderer was ended at the ceiling (pid 4242)", {}});
  killed.summary.dumps.push_back({51200, 96, "minidump", "crash", "", 0,
                                  "dumps/completed/4f1c2a.dmp",
                                  static_cast<std::uint64_t>(2.3 * MiB)});
  killed.summary.verdict =
      d::verdict(VerdictKind::kRetains,
                 "renderer.private_bytes grows 12.4 MiB/iteration (95 % CI [12.3 MiB, 12.5 MiB], "
                 "Theil–Sen 12.4 MiB), above the threshold of 256.0 KiB: +1.15 GiB in all",
                 12.4 * MiB, 12.3 * MiB, 12.5 * MiB);
  // 60 + 12.4·i MiB meets the ceiling at 100.0.
  killed.summary.projection =
      Projection{metric::kRendererPrivate, 1300 * MiB, 100.0, 99.8, 101.5, 53.0, 52.9, 53.8, 0.5};
  killed.summary.projection->fit_intercept = 60 * MiB;
  killed.summary.projection->fit_slope_per_iteration = 12.4 * MiB;
  killed.summary.projection->fit_last_iteration = 95;
  killed.summary.peak = Peak{metric::kRendererPrivate, 1301.4 * MiB, 51000, 96};
  killed.summary.mitigation.stayed_below_ceiling = false;
  d::add_responsiveness(killed.summary, 95, 96);
  killed.summary.heartbeat_max_ms.push_back({96, -1});
  killed.memory_by_role = d::role_samples({"tab", "frame"}, 51, 60 * MiB, 23.5 * MiB);
  killed.steps = d::step_timings(95);

  ScenarioReport scenario;
  scenario.scenario = "vtm-review";
  scenario.runs = {none, window, failed, killed};
  CompatibilityTable& compat = scenario.compatibility;
  compat.steps = d::step_labels();
  compat.browsers = {"chromium", "ie11"};
  for (std::size_t k = 0; k < compat.steps.size(); ++k) {
    compat.cells[{compat.steps[k], "chromium"}] = {120, 0, "", ""};
    CompatibilityCell ie{k < 3 ? 118 : 117, 0, "", ""};
    if (k == 3) {
      ie.failed = 1;
      ie.failure = "no element matches \"#approve\" within 5000 ms";
      ie.screenshot = failed.dir + "/screenshots/failure-iteration-23.png";
    }
    compat.cells[{compat.steps[k], "ie11"}] = ie;
  }

  Report report;
  report.title = "Nightly memory report: vtm-review";
  report.generated_at = "2026-11-22T18:00:00Z";
  report.scenarios = {scenario};

  HistorySeries retaining{"vtm-review chromium retention=window", {}};
  HistorySeries stable{"vtm-review chromium retention=none", {}};
  for (int night = 0; night < 6; ++night) {
    const std::string date = "2026-11-" + std::to_string(17 + night) + "T17:01:40Z";
    const bool leaks = night >= 4;
    retaining.points.push_back({"night-" + std::to_string(night + 1) + "-window", date,
                                leaks ? 9.5 * MiB : (78.0 + night * 3) * 1024,
                                leaks ? 861.2 * MiB : 47.0 * MiB, leaks ? "retains" : "stable",
                                night == 4,
                                night == 4 ? "verdict went from stable to retains" : ""});
    stable.points.push_back({"night-" + std::to_string(night + 1) + "-none", date,
                             (80.0 - night) * 1024, (50.0 + night * 0.3) * MiB, "stable", false,
                             ""});
  }
  report.history = {retaining, stable};

  Comparison comparison;
  PairComparison same;
  same.scenario = "vtm-review";
  same.browser = "chromium";
  same.variant = {{"retention", "none"}};
  same.baseline_run = "night-5-none";
  same.candidate_run = none.dir;
  same.baseline_verdict = "stable";
  same.candidate_verdict = "stable";
  same.slope_delta_bytes = 3.1 * 1024;
  same.peak_delta_bytes = 0.4 * MiB;
  same.kind = ChangeKind::kUnchanged;
  same.reason = "no metric's slope changed significantly";
  PairComparison worse = same;
  worse.variant = {{"retention", "window"}};
  worse.baseline_run = "night-4-window";
  worse.candidate_run = window.dir;
  worse.candidate_verdict = "retains";
  worse.slope_delta_bytes = 9.42 * MiB;
  worse.peak_delta_bytes = 814.2 * MiB;
  worse.kind = ChangeKind::kRegression;
  worse.reason = "the verdict went from stable to retains (renderer.private_bytes)";
  PairComparison unknown = same;
  unknown.browser = "ie11";
  unknown.baseline_run = "night-5-ie11-none";
  unknown.candidate_run = failed.dir;
  unknown.candidate_verdict = "insufficient";
  unknown.slope_delta_bytes.reset();
  unknown.peak_delta_bytes.reset();
  unknown.kind = ChangeKind::kInsufficient;
  unknown.reason = "the candidate did not complete (step_failed)";
  comparison.pairs = {same, worse, unknown};
  comparison.candidate_only = {"vtm-review ie11 retention=window"};
  report.comparison = comparison;
  return report;
}

}  // namespace harness::testing
