#include "harness/run/runner.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <fstream>
#include <mutex>
#include <thread>

#include "harness/drive/cdp_client.hpp"
#include "harness/drive/step_runner.hpp"
#include "harness/error.hpp"
#include "harness/run/checkpoint_metrics.hpp"
#include "harness/run/recorder.hpp"
#include "harness/sample/sampler.hpp"

namespace harness {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string utc_iso8601(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(t)),
                     static_cast<int>(ms));
}

std::string utc_compact(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y%m%dT%H%M%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(t)));
}

std::string make_run_id(const std::string& utc_compact_time, const std::string& scenario,
                        const std::string& browser, const VariantAssignment& variant) {
  std::string id = utc_compact_time + "-" + scenario + "-" + browser;
  const std::string label = variant.label();
  if (!label.empty()) id += "-" + label;
  for (char& c : id) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                    c == '.' || c == '=';
    if (c == ',') c = '_';
    else if (!ok) c = '-';
  }
  return id;
}

namespace {

// Full GCs before a checkpoint. One pass sometimes leaves the last removed frame's document
// (V8 and Blink's Oilpan heaps reference each other; a detached document can need a second
// cycle): measured on vtm-review/none, 2 of 13 checkpoints still counted 6 extra documents after
// one pass.
constexpr int kGcPasses = 2;

// Events reach both the store (through the recorder) and the in-memory summary, from the
// runner thread and from the sampler thread.
class EventLog {
 public:
  EventLog(Recorder& recorder, RunSummary& summary) : recorder_(recorder), summary_(summary) {}
  void add(EventRecord event) {
    recorder_.add_event(event);
    std::lock_guard lock(mutex_);
    summary_.events.push_back(std::move(event));
  }
  // The summary's events must only be read under this lock while the sampler runs.
  std::mutex& mutex() { return mutex_; }

 private:
  Recorder& recorder_;
  RunSummary& summary_;
  std::mutex mutex_;
};

class RunExecution {
 public:
  RunExecution(const RunPlan& plan, Store& store, RunObserver& observer,
               const std::atomic<bool>& stop)
      : plan_(plan), store_(store), observer_(observer), stop_(stop) {}

  RunResult execute() {
    const Scenario& scenario = *plan_.scenario;
    const auto wall_start = std::chrono::system_clock::now();
    started_ = Clock::now();
    RunInfo& info = summary_.info;
    info.scenario = scenario.name;
    info.scenario_file = scenario.file.string();
    info.browser = plan_.profile->name();
    info.variant = plan_.variant.values;
    info.status = RunStatus::kRunning;
    info.started_at = utc_iso8601(wall_start);
    info.iterations_planned = plan_.iterations;
    summary_.expect = plan_.expect;
    summary_.adaptive.enabled = plan_.iterations_auto;
    if (plan_.iterations_auto) summary_.adaptive.max_iterations = plan_.iterations;
    info.warmup = plan_.warmup;
    info.checkpoint_every = plan_.checkpoint.every;
    info.checkpoint_gc = plan_.checkpoint.gc;
    info.settle_ms = plan_.checkpoint.settle_ms;
    info.sample_interval_ms = static_cast<int>(plan_.sample_interval.count());
    info.input_mode = input_mode_name(plan_.input);
    if (scenario.ceiling) info.ceiling_bytes = scenario.ceiling->bytes;
    info.start_url = start_url(scenario, plan_.variant, plan_.base_url);

    // Unique folder: a second run within the same second gets a suffix.
    const std::string base_id = make_run_id(utc_compact(wall_start), scenario.name, info.browser,
                                            plan_.variant);
    info.id = base_id;
    for (int n = 2; std::filesystem::exists(plan_.results_dir / info.id); ++n) {
      info.id = fmt::format("{}-{}", base_id, n);
    }
    dir_ = plan_.results_dir / info.id;
    info.results_dir = dir_.string();
    summary_.files = {{"summary", "summary.json"},
                      {"samples", "samples.csv"},
                      {"checkpoints", "checkpoints.csv"},
                      {"database", std::filesystem::relative(store_.file(), dir_).string()}};

    recorder_ = std::make_unique<Recorder>(store_, info, dir_);
    events_ = std::make_unique<EventLog>(*recorder_, summary_);
    recorder_->write_summary(summary_, false);
    observer_.run_started(plan_, info);

    RunResult result;
    result.launched = launch();
    if (result.launched) {
      drive();
      finish_browser();
    }
    analyze();
    info.ended_at = utc_iso8601(std::chrono::system_clock::now());
    info.duration_s = std::chrono::duration<double>(Clock::now() - started_).count();
    recorder_->update_run(info);
    {
      std::lock_guard lock(events_->mutex());
      recorder_->write_summary(summary_, true);
    }
    recorder_->flush();
    observer_.run_finished(plan_, summary_);
    result.summary = summary_;
    result.dir = dir_;
    recorder_.reset();
    return result;
  }

 private:
  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count();
  }

  void event(const std::string& kind, const std::string& message, json details = json::object()) {
    events_->add(EventRecord{now_ms(), iteration_.load(), kind, message, std::move(details)});
  }

  void set_status(RunStatus status, const std::string& reason) {
    summary_.info.status = status;
    summary_.info.reason = reason;
  }

  bool launch() {
    RunInfo& info = summary_.info;
    observer_.phase(plan_, info, "starting " + info.browser);
    LaunchOptions options = plan_.launch;
    options.run_dir = dir_;
    options.timeouts = plan_.scenario->timeouts;
    try {
      session_ = plan_.profile->launch(options);
    } catch (const LaunchError& e) {
      set_status(RunStatus::kError, fmt::format("the browser could not be started: {}", e.what()));
      event("launch_failed", e.what());
      return false;
    }
    info.browser_version = session_->browser_version();
    info.driver_version = session_->driver_version();
    info.environment = session_->environment();
    recorder_->update_run(info);
    event("browser_started", fmt::format("{} {} with driver {}", info.browser,
                                         info.browser_version, info.driver_version),
          info.environment);

    const auto ceiling = plan_.scenario->ceiling;
    sampler_ = std::make_unique<Sampler>(
        session_->process_tree(), plan_.sample_interval,
        SamplerClock{[this] { return now_ms(); }, [this] { return iteration_.load(); }},
        [this, ceiling](const SampleBatch& batch) {
          recorder_->add_samples(batch);
          const double bytes = renderer_private_bytes(batch.processes);
          {
            std::lock_guard lock(events_->mutex());
            if (!summary_.peak || bytes > summary_.peak->bytes) {
              summary_.peak = Peak{metric::kRendererPrivate, bytes, batch.t_ms, batch.iteration};
            }
          }
          if (ceiling && ceiling->metric == metric::kRendererPrivate && !ceiling_reached_) {
            if (bytes > static_cast<double>(ceiling->bytes)) {
              ceiling_reached_ = true;
              events_->add(EventRecord{
                  batch.t_ms, batch.iteration, "ceiling_reached",
                  fmt::format("renderer private memory {:.1f} MiB passed the ceiling {:.1f} MiB",
                              bytes / 1048576.0, ceiling->bytes / 1048576.0),
                  {{"metric", ceiling->metric}, {"bytes", bytes}, {"ceiling_bytes", ceiling->bytes}}});
            }
          }
        });
    return true;
  }

  void record_step(const std::string& phase, const StepResult& r) {
    recorder_->add_step(StepRecord{iteration_.load(), r.index, phase, r.label, r.started_ms,
                                   r.duration_ms, r.ok, r.error});
  }

  void run_phase(StepRunner& runner, const std::string& phase, const std::vector<Step>& steps,
                 int iteration) {
    std::map<std::string, std::string> vars = plan_.variant.as_map();
    vars["iteration"] = std::to_string(iteration);
    runner.run(steps, vars, [&](const StepResult& r) { record_step(phase, r); });
  }

  // A crash the browser announced (CDP) turns into BrowserLost at the next step boundary, even
  // if WebDriver has not noticed yet.
  void check_browser() {
    for (const auto& notice : session_->take_notices()) {
      if (notice.kind == "crashed" || notice.kind == "detached") {
        throw BrowserLost(notice.message);
      }
    }
  }

  void drive() {
    const Scenario& scenario = *plan_.scenario;
    RunInfo& info = summary_.info;
    StepEnvironment env;
    env.driver = &session_->driver();
    env.gc = &session_->garbage_collector();
    env.timeouts = scenario.timeouts;
    env.input = plan_.input;
    env.base_url = info.start_url;
    env.screenshot_dir = dir_ / "screenshots";
    env.stop = &stop_;
    env.now_ms = [this] { return now_ms(); };
    StepRunner runner(env);

    try {
      observer_.phase(plan_, info, "set-up");
      Step open_start;
      open_start.kind = StepKind::kOpen;
      open_start.url = info.start_url;
      open_start.label = "open " + info.start_url;
      open_start.where = {scenario.file.string(), 0, 0};
      iteration_ = 0;
      run_phase(runner, "setup", {open_start}, 0);
      run_phase(runner, "setup", scenario.setup, 0);
      check_browser();

      for (int w = plan_.warmup; w >= 1; --w) {
        observer_.phase(plan_, info, fmt::format("warm-up {}/{}", plan_.warmup - w + 1,
                                                 plan_.warmup));
        run_iteration(runner, -w);
      }
      checkpoint(0);
      for (int i = 1; i <= plan_.iterations; ++i) {
        run_iteration(runner, i);
        info.iterations_completed = i;
        std::optional<double> latest;
        if (auto batch = sampler_->latest()) latest = renderer_private_bytes(batch->processes);
        observer_.iteration_done(plan_, info, i, latest);
        if (i % plan_.checkpoint.every == 0 || i == plan_.iterations) {
          checkpoint(i);
          recorder_->update_run(info);
          // Adaptive length: stop as soon as the curves say something definite.
          if (plan_.iterations_auto && summary_.verdict &&
              summary_.verdict->kind != VerdictKind::kInsufficient) {
            break;
          }
        }
      }
      if (plan_.iterations_auto) {
        summary_.adaptive.iterations_used = info.iterations_completed;
        summary_.adaptive.seconds_used = now_ms() / 1000.0;
      }
      set_status(RunStatus::kCompleted,
                 plan_.iterations_auto
                     ? fmt::format("{} iterations completed (adaptive: {})",
                                   info.iterations_completed,
                                   summary_.verdict &&
                                           summary_.verdict->kind != VerdictKind::kInsufficient
                                       ? "verdict decided"
                                       : "maximum reached without a decided verdict")
                     : fmt::format("{} iterations completed", info.iterations_completed));
    } catch (const StepFailed& e) {
      // A step that failed because the renderer died is a crash, not a scenario problem.
      std::string crash;
      for (const auto& n : session_->take_notices()) {
        if (n.kind == "crashed") crash = n.message;
      }
      if (!crash.empty()) {
        set_status(RunStatus::kCrashed, crash);
        event("crashed", crash);
      } else {
        set_status(RunStatus::kStepFailed, e.what());
        event("step_failed", e.what(), {{"step", e.label()}, {"where", to_string(e.where())}});
        failure_screenshot();
      }
    } catch (const BrowserLost& e) {
      set_status(RunStatus::kCrashed, fmt::format("the browser went away: {}", e.what()));
      event("crashed", e.what());
    } catch (const Interrupted&) {
      set_status(RunStatus::kInterrupted,
                 fmt::format("interrupted by the user after {} iterations",
                             info.iterations_completed));
      event("interrupted", summary_.info.reason);
    } catch (const std::exception& e) {
      set_status(RunStatus::kError, e.what());
      event("error", e.what());
    }
  }

  void run_iteration(StepRunner& runner, int n) {
    iteration_ = n;
    IterationRecord record;
    record.n = n;
    record.started_ms = now_ms();
    try {
      run_phase(runner, n < 0 ? "warmup" : "iteration", plan_.scenario->iteration, n);
      check_browser();
    } catch (...) {
      record.ended_ms = now_ms();
      record.ok = false;
      recorder_->add_iteration(record);
      throw;
    }
    record.ended_ms = now_ms();
    recorder_->add_iteration(record);
  }

  void checkpoint(int iteration) {
    RunInfo& info = summary_.info;
    observer_.phase(plan_, info, fmt::format("checkpoint at iteration {}", iteration));
    CheckpointRecord record;
    record.iteration = iteration;
    record.gc = plan_.checkpoint.gc;
    try {
      if (plan_.checkpoint.gc) {
        for (int pass = 0; pass < kGcPasses; ++pass) session_->garbage_collector().collect_garbage();
      }
    } catch (const CdpTargetCrashed& e) {
      throw BrowserLost(e.what());
    }
    // Settle: lets the freed memory go back before measuring (~200 ms cuts the noise ~20×).
    const auto until = Clock::now() + std::chrono::milliseconds(plan_.checkpoint.settle_ms);
    while (Clock::now() < until) {
      if (stop_.load()) throw Interrupted();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ProcessTree& tree = session_->process_tree();
    tree.refresh(true);
    record.t_ms = now_ms();
    record.processes = tree.read_detailed();
    record.metrics = aggregate_process_metrics(record.processes);
    try {
      for (const auto& [name, value] : session_->read_page_counters()) record.metrics[name] = value;
    } catch (const CdpTargetCrashed& e) {
      throw BrowserLost(e.what());
    } catch (const std::exception& e) {
      event("counters_unavailable", fmt::format("page counters at iteration {}: {}", iteration,
                                                e.what()));
    }
    recorder_->add_checkpoint(record);
    {
      std::lock_guard lock(events_->mutex());
      summary_.checkpoints.push_back(record);
      summary_.checkpoints.back().processes.clear();  // per-process detail lives in the store
      summary_.verdict = analyze_checkpoints(summary_.checkpoints);
      recorder_->write_summary(summary_, false);
    }
    observer_.checkpoint_done(plan_, info, record);
  }

  // The verdict, the ceiling projection and the expectations, from the checkpoints so far.
  void analyze() {
    std::lock_guard lock(events_->mutex());
    if (summary_.checkpoints.empty()) {
      summary_.verdict.reset();
    } else {
      summary_.verdict = analyze_checkpoints(summary_.checkpoints);
      const auto& ceiling = plan_.scenario->ceiling;
      if (ceiling && summary_.verdict->kind == VerdictKind::kRetains) {
        summary_.projection = project_ceiling(summary_.checkpoints, ceiling->metric,
                                              static_cast<double>(ceiling->bytes));
      }
    }
    const Verdict none{VerdictKind::kInsufficient, "the run has no checkpoints", {}, {}, {}, {}};
    summary_.expectations = check_expectations(
        summary_.expect, summary_.verdict ? *summary_.verdict : none,
        summary_.peak ? std::optional<double>(summary_.peak->bytes) : std::nullopt);
    if (!summary_.expectations.met) {
      for (const auto& failure : summary_.expectations.failures) {
        summary_.events.push_back(EventRecord{now_ms(), iteration_.load(), "expectation_failed",
                                              failure, json::object()});
        recorder_->add_event(summary_.events.back());
      }
    }
  }

  void failure_screenshot() {
    try {
      session_->driver().top_frame();
    } catch (const std::exception&) {
    }
    try {
      const std::string png = session_->driver().screenshot_png();
      std::filesystem::create_directories(dir_ / "screenshots");
      const std::string name = fmt::format("failure-iteration-{}.png", iteration_.load());
      std::ofstream(dir_ / "screenshots" / name, std::ios::binary) << png;
      summary_.files["failure_screenshot"] = "screenshots/" + name;
    } catch (const std::exception& e) {
      spdlog::debug("no failure screenshot: {}", e.what());
    }
  }

  void finish_browser() {
    observer_.phase(plan_, summary_.info, "ending the browser");
    sampler_.reset();  // stop sampling before the processes go
    EndReport report = session_->end();
    if (!report.survivors.empty()) {
      std::string pids;
      for (const auto& s : report.survivors) pids += (pids.empty() ? "" : ", ") + std::to_string(s.pid);
      event("cleanup_failed", fmt::format("{} process(es) the run started are still alive: {}",
                                          report.survivors.size(), pids));
    }
    if (!report.temp_removed) {
      event("cleanup_failed", fmt::format("the temporary profile {} could not be removed",
                                          report.temp_dir));
    }
    event("browser_ended",
          fmt::format("{} processes seen during the run; {}", report.processes_seen,
                      report.survivors.empty() ? "all ended" : "some survived"),
          {{"processes_seen", report.processes_seen}});
  }

  const RunPlan& plan_;
  Store& store_;
  RunObserver& observer_;
  const std::atomic<bool>& stop_;
  Clock::time_point started_;
  std::filesystem::path dir_;
  RunSummary summary_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<EventLog> events_;
  std::unique_ptr<BrowserSession> session_;
  std::unique_ptr<Sampler> sampler_;
  std::atomic<int> iteration_{0};
  std::atomic<bool> ceiling_reached_{false};
};

}  // namespace

RunResult execute_run(const RunPlan& plan, Store& store, RunObserver& observer,
                      const std::atomic<bool>& stop) {
  RunExecution execution(plan, store, observer, stop);
  return execution.execute();
}

}  // namespace harness
