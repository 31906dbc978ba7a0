// The run from start to end (run/execution.hpp lists the parts and where they live).
#include "harness/run/runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <set>
#include <thread>

#include "harness/drive/cdp_client.hpp"
#include "harness/error.hpp"
#include "harness/model/time.hpp"
#include "harness/model/units.hpp"
#include "harness/run/checkpoint_metrics.hpp"
#include "harness/run/evidence.hpp"
#include "harness/run/execution.hpp"
#include "harness/run/run_id.hpp"

namespace harness {

using nlohmann::json;

RunExecution::RunExecution(const RunPlan& plan, Store& store, RunObserver& observer,
                           const std::atomic<bool>& stop)
    : plan_(plan), store_(store), observer_(observer), stop_(stop) {}

RunExecution::~RunExecution() = default;

RunResult RunExecution::execute() {
  const auto wall_start = std::chrono::system_clock::now();
  started_ = RunClock::now();
  begin_records(wall_start);
  RunInfo& info = summary_.info;
  observer_.run_started(plan_, info);

  RunResult result;
  result.launched = start_programs() && start_browser();
  if (result.launched) {
    info.browser_version = session_->browser_version();
    info.driver_version = session_->driver_version();
    info.environment = session_->environment();
    note_loaded_components();
    recorder_->update_run(info);
    drive();
    stop_browser();
  }
  stop_programs();
  index_minidumps();
  analyze();
  attribute();
  info.ended_at = utc_iso8601(std::chrono::system_clock::now());
  info.duration_s = std::chrono::duration<double>(RunClock::now() - started_).count();
  recorder_->update_run(info);
  {
    std::lock_guard lock(events_->mutex());
    recorder_->write_summary(summary_, true);
  }
  recorder_->flush();
  if (journal_ && cleaned_up_) journal_->finish();
  observer_.run_finished(plan_, summary_);
  result.summary = summary_;
  result.dir = dir_;
  recorder_.reset();
  return result;
}

// The run's identity, folder, first records and cleanup journal, before anything is launched.
void RunExecution::begin_records(std::chrono::system_clock::time_point wall_start) {
  const Scenario& scenario = *plan_.scenario;
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
  if (plan_.ceiling) {
    info.ceiling_bytes = plan_.ceiling->bytes;
    summary_.ceiling = CeilingReport{static_cast<double>(plan_.ceiling->bytes),
                                     plan_.ceiling->metric,
                                     enforcement_name(plan_.ceiling->enforce), {}, {}, {}, {}};
  }
  summary_.mitigation.reload_every = plan_.reload_every;
  summary_.mitigation.restart_every = plan_.restart_every;
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
  if (!plan_.journal_dir.empty()) {
    // Written before anything is launched: if this process dies, its watcher or the next
    // harness ends what the run started and closes its record.
    journal_ = std::make_unique<CleanupJournal>(plan_.journal_dir, info.id, dir_, store_.file());
  }
  if (plan_.ceiling) {
    ceiling_guard_ = std::make_unique<CeilingGuard>(
        *plan_.ceiling, static_cast<ProcessControl&>(*this), [this](const EventRecord& e) {
          if (e.kind == "ceiling_reached") {
            std::lock_guard lock(events_->mutex());
            summary_.ceiling->reached_iteration = e.iteration;
            summary_.ceiling->reached_t_ms = e.t_ms;
            summary_.ceiling->reached_bytes = e.details.value("bytes", 0.0);
          }
          events_->add(e);
        });
  }
  DumpWorker::Hooks hooks;
  hooks.write_snapshot = [this](const std::filesystem::path& file) {
    Watchdog::Pause pause(watchdog_.get());  // the snapshot blocks the page on purpose
    std::lock_guard lock(session_mutex_);
    if (!session_) throw std::runtime_error("the browser has ended");
    return session_->write_heap_snapshot(file);
  };
  hooks.status = [](Pid pid) { return read_process_status(pid); };
  hooks.event = [this](const EventRecord& e) { events_->add(e); };
  hooks.dump = [this](const DumpRecord& d) { add_dump(d); };
  hooks.now_ms = [this] { return now_ms(); };
  const DumpFormat format = plan_.profile->dump_format();
  hooks.kind = format.kind;
  hooks.extension = format.extension;
  dump_worker_ = std::make_unique<DumpWorker>(plan_.dumps, dir_, std::move(hooks));
  record_components();
  recorder_->write_summary(summary_, false);
}

std::int64_t RunExecution::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(RunClock::now() - started_)
      .count();
}

void RunExecution::event(const std::string& kind, const std::string& message, json details) {
  events_->add(EventRecord{now_ms(), iteration_.load(), kind, message, std::move(details)});
}

// ---- the browser's lifecycle: launch, sampler, watchdog, dump worker; and the reverse ----

bool RunExecution::start_browser() {
  RunInfo& info = summary_.info;
  observer_.phase(plan_, info, "starting " + info.browser);
  LaunchOptions options = plan_.launch;
  options.run_dir = dir_;
  options.journal = journal_.get();
  options.initial_url = summary_.info.start_url;
  if (!plan_.journal_dir.empty()) options.registry_journal_dir = registry_journal_dir();
  options.timeouts = plan_.scenario->timeouts;
  options.hang_stacks = plan_.dumps.on_hang && plan_.dumps.hang_stack;
  add_components(options);
  if (plan_.drive == DriveMode::kPage) {
    // The page learns where to report and how many warm-up iterations to run.
    const std::string& url = summary_.info.start_url;
    plan_.beacons->open();  // a new token: only this run's page can post beacons
    options.page_url = fmt::format("{}{}harness_beacon={}&harness_warmup={}", url,
                                   url.find('?') == std::string::npos ? "?" : "&",
                                   query_encode(plan_.beacons->beacon_url(plan_.base_url)),
                                   plan_.warmup);
  }
  std::unique_ptr<BrowserSession> session;
  try {
    session = plan_.profile->launch(options);
  } catch (const LaunchError& e) {
    finish(facts(DriveEnd::kLaunchFailed, e.what()));
    return false;
  }
  remote_processes_ = !session->process_tree().local();
  {
    std::lock_guard lock(session_mutex_);
    session_ = std::move(session);
  }
  const std::string driver = session_->driver_version();
  event("browser_started",
        fmt::format("{} {} {}", info.browser, session_->browser_version(),
                    plan_.drive == DriveMode::kPage ? std::string("in page mode (no driver)")
                                                    : "with driver " + driver),
        session_->environment());
  // What the browser found at start that the run's record should carry (a plugin its tabs
  // cannot load, a driver of the wrong bitness): findings, not errors.
  for (const auto& notice : session_->take_notices()) {
    event(notice.kind == "finding" ? "finding" : notice.kind, notice.message, notice.details);
  }
  journaled_ = 0;
  sampler_ = start_sampler();
  const Timeouts& t = plan_.scenario->timeouts;
  watchdog_ = std::make_unique<Watchdog>(
      Watchdog::Options{std::chrono::milliseconds(1000), std::chrono::milliseconds(2000),
                        std::chrono::milliseconds(t.hang_ms)},
      [this](std::chrono::milliseconds timeout) { return session_->ping_page_ms(timeout); },
      [this](double latency) { on_heartbeat(latency); },
      [this](std::chrono::milliseconds unresponsive) { on_hang(unresponsive); });
  dump_worker_->start();
  return true;
}

void RunExecution::stop_browser() {
  observer_.phase(plan_, summary_.info, "ending the browser");
  if (plan_.beacons) plan_.beacons->close();  // a page still waiting for a reply is told to stop
  dump_worker_->stop();  // takes the dumps already asked for first
  watchdog_.reset();
  sampler_.reset();  // stop sampling before the processes go
  sampled_tree_.reset();
  std::unique_ptr<BrowserSession> session;
  {
    std::lock_guard lock(session_mutex_);
    session = std::move(session_);
  }
  if (!session) return;
  if (crashed_or_hung_) wait_for_minidump(session->dumps_dir());
  EndReport report = session->end();
  if (ceiling_guard_) ceiling_guard_->forget_limits();
  cleaned_up_ = report.survivors.empty() && report.temp_removed;
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
  nlohmann::json details = report.details;
  details["processes_seen"] = report.processes_seen;
  event("browser_ended",
        fmt::format("{} processes seen; {}{}", report.processes_seen,
                    report.survivors.empty() ? "all ended" : "some survived",
                    report.note.empty() ? "" : "; " + report.note),
        details);
}

// ---- what every sample is checked for: peak, ceiling and data limits, dump rules ----

void RunExecution::on_sample(const SampleBatch& batch) {
  recorder_->add_samples(batch);
  if (journal_) journal_tree_members();
  const double bytes = renderer_private_bytes(batch.processes);
  last_renderer_bytes_ = bytes;
  for (double seen = interval_peak_.load();
       bytes > seen && !interval_peak_.compare_exchange_weak(seen, bytes);) {
  }
  {
    std::lock_guard lock(events_->mutex());
    if (!summary_.peak || bytes > summary_.peak->bytes) {
      summary_.peak = Peak{metric::kRendererPrivate, bytes, batch.t_ms, batch.iteration};
    }
  }
  if (ceiling_guard_) ceiling_guard_->check(batch, bytes);
  dump_worker_->observe(batch, bytes);
}

// Every process the tree has seen goes into the cleanup journal (crashpad handlers leave the
// driver's process group, so the group alone would miss them).
void RunExecution::journal_tree_members() {
  std::vector<ProcessIdentity> seen;
  {
    // Never wait here: a heap snapshot holds the session for seconds; the next sample will do.
    std::unique_lock lock(session_mutex_, std::try_to_lock);
    if (!lock.owns_lock() || !session_) return;
    if (!session_->process_tree().local()) return;  // a Grid node's PIDs: its agent ends them
    seen = session_->process_tree().seen();
  }
  if (seen.size() == journaled_) return;
  journaled_ = seen.size();
  journal_->add_processes(seen);
}

std::optional<ProcessIdentity> RunExecution::identity_of(Pid pid) {
  std::lock_guard lock(session_mutex_);
  if (!session_) return std::nullopt;
  return session_->process_tree().identity_of(pid);
}

// Local sessions read and end processes here, without the session lock (a heap snapshot holds
// it for seconds; the ceiling guard must not wait); a Grid session's agent does it on its node.
std::optional<ProcessStatus> RunExecution::status(Pid pid) {
  if (!remote_processes_) return read_process_status(pid);
  std::lock_guard lock(session_mutex_);
  if (!session_) return std::nullopt;
  return session_->process_tree().status(pid);
}

void RunExecution::kill(const ProcessIdentity& identity) {
  if (!remote_processes_) return kill_process(identity);
  std::lock_guard lock(session_mutex_);
  if (session_) session_->process_tree().kill(identity);
}

bool RunExecution::set_data_limit(const ProcessIdentity& identity, std::uint64_t bytes,
                                  std::string* error) {
  if (!remote_processes_) return harness::set_data_limit(identity, bytes, error);
  std::lock_guard lock(session_mutex_);
  if (!session_) {
    if (error) *error = "the browser has ended";
    return false;
  }
  return session_->process_tree().set_data_limit(identity, bytes, error);
}

// ---- heartbeats and hangs ----

void RunExecution::on_heartbeat(double latency_ms) {
  const int iteration = iteration_.load();
  recorder_->add_heartbeat(HeartbeatRecord{now_ms(), iteration, latency_ms});
  std::lock_guard lock(events_->mutex());
  double& slowest = heartbeat_max_[iteration];
  if (latency_ms < 0 || slowest >= 0) slowest = latency_ms < 0 ? -1 : std::max(slowest, latency_ms);
}

// The page stopped answering: keep the evidence, then crash its renderer so that the blocked
// driver call returns and the run ends as hung.
void RunExecution::on_hang(std::chrono::milliseconds unresponsive) {
  hung_ = true;
  crashed_or_hung_ = true;
  event("hung", fmt::format("the page has not answered for {} ms (hang limit {} ms)",
                            unresponsive.count(), plan_.scenario->timeouts.hang_ms),
        {{"unresponsive_ms", unresponsive.count()}});
  std::lock_guard lock(session_mutex_);
  if (!session_) return;
  if (plan_.dumps.on_hang) {
    try {
      const std::string stack = session_->capture_hang_stack(std::chrono::milliseconds(3000));
      if (!stack.empty()) {
        const FoundFile file = write_hang_stack(dir_, iteration_.load(), stack);
        add_dump(DumpRecord{now_ms(), iteration_.load(), "hang_stack", "on_hang", "", 0,
                            file.relative, file.size_bytes});
      }
    } catch (const std::exception& e) {
      event("dump_failed", fmt::format("hang stack: {}", e.what()));
    }
  }
  // Page.crash: Chromium's own crash path writes a minidump (crashpad, BREAKPAD_DUMP_LOCATION).
  session_->crash_page();
}

void RunExecution::add_dump(const DumpRecord& record) {
  recorder_->add_dump(record);
  std::lock_guard lock(events_->mutex());
  summary_.dumps.push_back(record);
}

// Chromium's minidumps (crashpad keeps them under dumps/pending, completed...). Files the dump
// rules wrote are not crash evidence (on Windows they are minidumps too, in the same folder).
void RunExecution::index_minidumps() {
  std::set<std::string> by_rules;
  {
    std::lock_guard lock(events_->mutex());
    for (const auto& d : summary_.dumps) {
      by_rules.insert(std::filesystem::path(d.file).lexically_normal().generic_string());
    }
  }
  for (const auto& file : find_minidumps(dir_)) {
    if (by_rules.count(std::filesystem::path(file.relative).lexically_normal().generic_string())) {
      continue;
    }
    add_dump(DumpRecord{now_ms(), iteration_.load(), "minidump", hung_ ? "on_hang" : "crash", "",
                        0, file.relative, file.size_bytes});
  }
}

// ---- how the drive ended ----

// A crash the browser announced (CDP) turns into BrowserLost at the next step boundary, even if
// WebDriver has not noticed yet.
void RunExecution::check_browser() {
  if (const std::string crash = crash_notice(); !crash.empty()) throw BrowserLost(crash);
  if (!session_->alive()) throw BrowserLost("the browser process exited");
}

// The message of a crash or detach the browser announced since the last look, or "".
std::string RunExecution::crash_notice() {
  std::string crash;
  for (const auto& notice : session_->take_notices()) {
    if (crash.empty() && (notice.kind == "crashed" || notice.kind == "detached")) {
      crash = notice.message;
    }
  }
  return crash;
}

OutcomeFacts RunExecution::facts(DriveEnd end, const std::string& message) const {
  OutcomeFacts f;
  f.end = end;
  f.message = message;
  f.iteration = iteration_.load();
  f.iterations_completed = summary_.info.iterations_completed;
  f.hung = hung_.load();
  f.hang_ms = plan_.scenario->timeouts.hang_ms;
  f.ceiling_killed = ceiling_guard_ && ceiling_guard_->killed();
  f.ceiling = plan_.ceiling;
  f.renderer_bytes_before_death = std::max(interval_peak_.load(), last_renderer_bytes_.load());
  f.adaptive = plan_.iterations_auto;
  f.verdict_decided = summary_.verdict && summary_.verdict->kind != VerdictKind::kInsufficient;
  return f;
}

// Turns what ended the drive into the run's status (run/outcome.hpp), and records it.
void RunExecution::finish(OutcomeFacts f) {
  const Outcome outcome = decide_outcome(f);
  summary_.info.status = outcome.status;
  summary_.info.reason = outcome.reason;
  if (outcome.crashed_or_hung) crashed_or_hung_ = true;
  if (outcome.status == RunStatus::kCompleted && plan_.iterations_auto) {
    summary_.adaptive.iterations_used = summary_.info.iterations_completed;
    summary_.adaptive.seconds_used = now_ms() / 1000.0;
  }
  if (outcome.ceiling_reached_bytes) {
    std::lock_guard lock(events_->mutex());
    if (summary_.ceiling && !summary_.ceiling->reached_iteration) {
      summary_.ceiling->reached_iteration = f.iteration;
      summary_.ceiling->reached_t_ms = now_ms();
      summary_.ceiling->reached_bytes = *outcome.ceiling_reached_bytes;
    }
  }
  for (const auto& e : outcome.events) event(e.kind, e.message, e.details);
  if (outcome.failure_screenshot && plan_.drive == DriveMode::kDriver) failure_screenshot();
}

// Runs the driving of the run; whatever ends it is turned into the facts of its outcome. A step
// that failed because the renderer died, or because the page stopped answering, is a crash or a
// hang, not a scenario problem; an error that was only the messenger of a browser that died (a
// CDP connection reaching end of file, a WebDriver socket) is a crash, not a harness error.
void RunExecution::drive() {
  try {
    if (plan_.drive == DriveMode::kPage) drive_page();
    else drive_steps();
    finish(facts(DriveEnd::kCompleted, ""));
  } catch (const StepFailed& e) {
    // A dead browser is not asked whether it answers: it would be taken for a hang.
    const std::string crash = crash_notice();
    const bool gone = !crash.empty() || !session_->alive();
    if (!gone && !hung_ && !session_->ping_page_ms(std::chrono::milliseconds(2000))) {
      on_hang(std::chrono::milliseconds(2000));
    }
    OutcomeFacts f = facts(gone ? DriveEnd::kBrowserLost : DriveEnd::kStepFailed,
                           crash.empty() ? e.what() : crash);
    f.step_label = e.label();
    f.step_where = e.where();
    finish(f);
  } catch (const BrowserLost& e) {
    finish(facts(DriveEnd::kBrowserLost, e.what()));
  } catch (const Interrupted&) {
    finish(facts(DriveEnd::kInterrupted, ""));
  } catch (const std::exception& e) {
    const std::string crash = session_ ? crash_notice() : std::string();
    const bool gone = session_ && (!crash.empty() || !session_->alive());
    finish(facts(gone ? DriveEnd::kBrowserLost : DriveEnd::kError,
                 crash.empty() ? e.what() : crash));
  }
}

void RunExecution::failure_screenshot() {
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

RunResult execute_run(const RunPlan& plan, Store& store, RunObserver& observer,
                      const std::atomic<bool>& stop) {
  RunExecution execution(plan, store, observer, stop);
  return execution.execute();
}

}  // namespace harness
