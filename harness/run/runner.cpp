#include "harness/run/runner.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "harness/analyze/expectations.hpp"
#include "harness/analyze/projection.hpp"
#include "harness/analyze/verdict.hpp"
#include "harness/drive/cdp_client.hpp"
#include "harness/drive/step_runner.hpp"
#include "harness/error.hpp"
#include "harness/model/time.hpp"
#include "harness/model/units.hpp"
#include "harness/platform/cleanup_journal.hpp"
#include "harness/run/checkpoint_metrics.hpp"
#include "harness/run/dump_rules.hpp"
#include "harness/run/recorder.hpp"
#include "harness/run/watchdog.hpp"
#include "harness/sample/sampler.hpp"
#include "harness/serve/beacons.hpp"

namespace harness {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

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

// A renderer's VmData exceeds its private memory by this much once its V8 and PartitionAlloc
// reservations are made (measured: ~590 MB in Chromium 156; ~0 right after the fork).
constexpr std::uint64_t kReservationsReadyBytes = 256ull << 20;

// The data limit is moved when its calibration changed by more than this.
constexpr std::uint64_t kRecalibrateBytes = 1ull << 20;

// A renderer that dies in limit mode within this share of the ceiling died of the limit.
constexpr double kLimitDeathShare = 0.85;

// A dump is refused when it would leave less than this free on the results file system.
constexpr std::uint64_t kDiskReserveBytes = 2ull << 30;

// Crashpad writes the minidump before the crash is reported, but give it this long to appear.
constexpr std::chrono::milliseconds kMinidumpWait{2000};

// Events reach both the store (through the recorder) and the in-memory summary, from the
// runner thread, the sampler thread, the watchdog and the dump worker.
class EventLog {
 public:
  EventLog(Recorder& recorder, RunSummary& summary) : recorder_(recorder), summary_(summary) {}
  void add(EventRecord event) {
    recorder_.add_event(event);
    std::lock_guard lock(mutex_);
    summary_.events.push_back(std::move(event));
  }
  // The summary's shared parts (events, peak, dumps, checkpoints) are touched under this lock.
  std::mutex& mutex() { return mutex_; }

 private:
  Recorder& recorder_;
  RunSummary& summary_;
  std::mutex mutex_;
};

std::uint64_t free_disk_bytes(const std::filesystem::path& dir) {
  std::error_code ec;
  const auto space = std::filesystem::space(dir, ec);
  return ec ? 0 : space.available;
}

class RunExecution {
 public:
  RunExecution(const RunPlan& plan, Store& store, RunObserver& observer,
               const std::atomic<bool>& stop)
      : plan_(plan), store_(store), observer_(observer), stop_(stop), dump_rules_(plan.dumps.rules) {}

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
    recorder_->write_summary(summary_, false);
    observer_.run_started(plan_, info);

    RunResult result;
    result.launched = start_browser();
    if (result.launched) {
      info.browser_version = session_->browser_version();
      info.driver_version = session_->driver_version();
      info.environment = session_->environment();
      recorder_->update_run(info);
      drive();
      stop_browser();
    }
    index_minidumps();
    analyze();
    info.ended_at = utc_iso8601(std::chrono::system_clock::now());
    info.duration_s = std::chrono::duration<double>(Clock::now() - started_).count();
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

  // ---- browser lifecycle: launch, sampler, watchdog, dump worker; and the reverse ----

  bool start_browser() {
    RunInfo& info = summary_.info;
    observer_.phase(plan_, info, "starting " + info.browser);
    LaunchOptions options = plan_.launch;
    options.run_dir = dir_;
    options.journal = journal_.get();
    options.timeouts = plan_.scenario->timeouts;
    options.hang_stacks = plan_.dumps.on_hang && plan_.dumps.hang_stack;
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
      set_status(RunStatus::kError, fmt::format("the browser could not be started: {}", e.what()));
      event("launch_failed", e.what());
      return false;
    }
    {
      std::lock_guard lock(session_mutex_);
      session_ = std::move(session);
    }
    event("browser_started", fmt::format("{} {} with driver {}", info.browser,
                                         session_->browser_version(), session_->driver_version()),
          session_->environment());
    journaled_ = 0;
    sampler_ = std::make_unique<Sampler>(
        session_->process_tree(), plan_.sample_interval,
        SamplerClock{[this] { return now_ms(); }, [this] { return iteration_.load(); }},
        [this](const SampleBatch& batch) { on_sample(batch); });
    const Timeouts& t = plan_.scenario->timeouts;
    watchdog_ = std::make_unique<Watchdog>(
        Watchdog::Options{std::chrono::milliseconds(1000), std::chrono::milliseconds(2000),
                          std::chrono::milliseconds(t.hang_ms)},
        [this](std::chrono::milliseconds timeout) { return session_->ping_page_ms(timeout); },
        [this](double latency) { on_heartbeat(latency); },
        [this](std::chrono::milliseconds unresponsive) { on_hang(unresponsive); });
    if (!dump_rules_.empty()) dump_worker_ = std::thread([this] { dump_loop(); });
    return true;
  }

  void stop_browser() {
    observer_.phase(plan_, summary_.info, "ending the browser");
    if (plan_.beacons) plan_.beacons->close();  // a page still waiting for a reply is told to stop
    if (dump_worker_.joinable()) {
      {
        std::lock_guard lock(dump_mutex_);
        dump_stop_ = true;
      }
      dump_cv_.notify_all();
      dump_worker_.join();
      dump_stop_ = false;
    }
    watchdog_.reset();
    sampler_.reset();  // stop sampling before the processes go
    std::unique_ptr<BrowserSession> session;
    {
      std::lock_guard lock(session_mutex_);
      session = std::move(session_);
    }
    if (!session) return;
    if (crashed_or_hung_) wait_for_minidump(session->dumps_dir());
    EndReport report = session->end();
    limited_.clear();
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
    event("browser_ended",
          fmt::format("{} processes seen; {}", report.processes_seen,
                      report.survivors.empty() ? "all ended" : "some survived"),
          {{"processes_seen", report.processes_seen}});
  }

  // ---- what every sample is checked for: peak, ceiling, data limits, dump rules ----

  void on_sample(const SampleBatch& batch) {
    recorder_->add_samples(batch);
    if (journal_) journal_tree_members();
    const double bytes = renderer_private_bytes(batch.processes);
    last_renderer_bytes_ = bytes;
    for (double seen = interval_peak_.load(); bytes > seen && !interval_peak_.compare_exchange_weak(seen, bytes);) {
    }
    {
      std::lock_guard lock(events_->mutex());
      if (!summary_.peak || bytes > summary_.peak->bytes) {
        summary_.peak = Peak{metric::kRendererPrivate, bytes, batch.t_ms, batch.iteration};
      }
    }
    if (plan_.ceiling) check_ceiling(batch, bytes);
    if (!dump_rules_.empty()) check_dump_rules(batch, bytes);
  }

  // Every process the tree has seen goes into the cleanup journal (crashpad handlers leave the
  // driver's process group, so the group alone would miss them).
  void journal_tree_members() {
    std::vector<ProcessIdentity> seen;
    {
      // Never wait here: a heap snapshot holds the session for seconds; the next sample will do.
      std::unique_lock lock(session_mutex_, std::try_to_lock);
      if (!lock.owns_lock() || !session_) return;
      seen = session_->process_tree().seen();
    }
    if (seen.size() == journaled_) return;
    journaled_ = seen.size();
    journal_->add_processes(seen);
  }

  void check_ceiling(const SampleBatch& batch, double total) {
    const Ceiling& ceiling = *plan_.ceiling;
    const double limit = static_cast<double>(ceiling.bytes);
    if (ceiling.enforce == CeilingEnforcement::kLimit) apply_data_limits(batch, ceiling);
    if (ceiling_reached_) return;
    // kill acts on the renderer over the ceiling; VmHWM − shared is that renderer's peak since
    // it started, so a spike between two samples is not missed.
    const ProcessReading* over = nullptr;
    double over_bytes = total;
    if (ceiling.enforce == CeilingEnforcement::kKill) {
      for (const auto& p : batch.processes) {
        if (p.role != ProcessRole::kRenderer || p.subtype == "webui") continue;
        double peak = static_cast<double>(p.private_bytes);
        if (auto status = read_process_status(p.pid)) {
          const double shared = static_cast<double>(p.rss_bytes - p.private_bytes);
          peak = std::max(peak, static_cast<double>(status->peak_rss_bytes) - shared);
        }
        if (peak > limit) {
          over = &p;
          over_bytes = peak;
          break;
        }
      }
      if (!over) return;
    } else if (total <= limit) {
      return;
    }
    ceiling_reached_ = true;
    json details = {{"metric", ceiling.metric},
                    {"bytes", over_bytes},
                    {"ceiling_bytes", ceiling.bytes},
                    {"enforce", enforcement_name(ceiling.enforce)}};
    std::string message = fmt::format("renderer private memory {} passed the ceiling {}",
                                      format_bytes(over_bytes), format_bytes(limit));
    if (over) {
      std::optional<ProcessIdentity> id;
      {
        std::lock_guard lock(session_mutex_);
        if (session_) id = session_->process_tree().identity_of(over->pid);
      }
      if (id) {
        kill_process(*id);  // by its recorded PID and start time
        ceiling_killed_ = true;
        details["killed_pid"] = over->pid;
        message += fmt::format("; renderer {} ended (SIGKILL)", over->pid);
      }
    }
    {
      std::lock_guard lock(events_->mutex());
      summary_.ceiling->reached_iteration = batch.iteration;
      summary_.ceiling->reached_t_ms = batch.t_ms;
      summary_.ceiling->reached_bytes = over_bytes;
    }
    events_->add(EventRecord{batch.t_ms, batch.iteration, "ceiling_reached", message, details});
  }

  // A data-segment limit on every renderer, calibrated as VmData − private + ceiling: the
  // renderer's reservations stay allowed and its private memory may grow to the ceiling. It is
  // re-calibrated on every sample, because V8 and PartitionAlloc reserve more as the heap grows:
  // a limit set once kills the renderer early (measured: at 89 % of a 300 MiB ceiling, 94 % of
  // 600 MiB; the reference saw −2 % to −5 % at 1.3 GB).
  void apply_data_limits(const SampleBatch& batch, const Ceiling& ceiling) {
    for (const auto& p : batch.processes) {
      if (p.role != ProcessRole::kRenderer || p.subtype == "webui") continue;
      auto status = read_process_status(p.pid);
      // A renderer fresh from the zygote has not made its V8/PartitionAlloc reservations yet
      // (VmData ~15 MB, then ~600 MB a moment later): calibrating then would set the limit below
      // its own reservations and kill it at once. Wait until they are in place.
      if (!status || status->data_bytes < p.private_bytes + kReservationsReadyBytes) continue;
      const std::uint64_t limit = status->data_bytes - p.private_bytes + ceiling.bytes;
      auto previous = limited_.find(p.pid);
      if (previous != limited_.end() &&
          (previous->second > limit ? previous->second - limit : limit - previous->second) <
              kRecalibrateBytes) {
        continue;
      }
      std::optional<ProcessIdentity> id;
      {
        std::lock_guard lock(session_mutex_);
        if (session_) id = session_->process_tree().identity_of(p.pid);
      }
      if (!id) continue;
      const bool first = previous == limited_.end();
      std::string error;
      if (!set_data_limit(*id, limit, &error)) {
        if (first) {
          events_->add(EventRecord{batch.t_ms, batch.iteration, "data_limit_failed",
                                   fmt::format("renderer {}: {}", p.pid, error), {{"pid", p.pid}}});
        }
        limited_[p.pid] = limit;
        continue;
      }
      limited_[p.pid] = limit;
      if (first) {
        events_->add(EventRecord{batch.t_ms, batch.iteration, "data_limit_applied",
                                 fmt::format("renderer {}: RLIMIT_DATA {} (VmData {} − private {} "
                                             "+ ceiling {}), re-calibrated as it grows",
                                             p.pid, format_bytes(static_cast<double>(limit)),
                                             format_bytes(static_cast<double>(status->data_bytes)),
                                             format_bytes(static_cast<double>(p.private_bytes)),
                                             format_bytes(static_cast<double>(ceiling.bytes))),
                                 {{"pid", p.pid}, {"limit_bytes", limit}}});
      }
    }
  }

  void check_dump_rules(const SampleBatch& batch, double private_bytes) {
    // Chromium renderers reserve ~1.45 TB (VmSize), so "virtual" is their VmData: committed and
    // reserved private memory, the closest analogue of Windows' virtual bytes.
    double data = 0;
    if (dump_rules_.uses("virtual")) {
      for (const auto& p : batch.processes) {
        if (p.role != ProcessRole::kRenderer || p.subtype == "webui") continue;
        if (auto status = read_process_status(p.pid)) data += static_cast<double>(status->data_bytes);
      }
    }
    if (dump_baseline_due_.exchange(false)) arm_relative_dump_rules(batch, private_bytes, data);
    std::vector<DumpTrigger> triggers = dump_rules_.observe("private", private_bytes);
    if (dump_rules_.uses("virtual")) {
      for (auto& t : dump_rules_.observe("virtual", data)) triggers.push_back(t);
    }
    if (triggers.empty()) return;
    {
      std::lock_guard lock(dump_mutex_);
      for (auto& t : triggers) dump_queue_.push_back({t, batch.t_ms, batch.iteration});
    }
    dump_cv_.notify_all();
  }

  // Relative rules (start: +64MiB) count from the first sample after the baseline checkpoint.
  void arm_relative_dump_rules(const SampleBatch& batch, double private_bytes, double data) {
    json thresholds = json::array();
    std::string text;
    for (const auto& [metric, value] : {std::pair<std::string, double>{"private", private_bytes},
                                        std::pair<std::string, double>{"virtual", data}}) {
      if (!dump_rules_.waiting_for_baseline(metric)) continue;
      dump_rules_.set_baseline(metric, value);
      text += fmt::format("{}{} baseline {}", text.empty() ? "" : "; ", metric,
                          format_bytes(value));
    }
    if (text.empty()) return;
    for (std::size_t i = 0; i < dump_rules_.size(); ++i) {
      const DumpRule& rule = dump_rules_.rule(i);
      if (!rule.relative) continue;
      thresholds.push_back({{"rule", i + 1},
                            {"metric", rule.metric},
                            {"first_threshold_bytes", dump_rules_.first_threshold(i).value_or(0)},
                            {"step_bytes", rule.step_bytes},
                            {"max", rule.max}});
    }
    events_->add(EventRecord{batch.t_ms, batch.iteration, "dump_rules_armed",
                             "relative dump rules count from " + text,
                             {{"baseline_private_bytes", private_bytes},
                              {"baseline_virtual_bytes", data},
                              {"rules", thresholds}}});
  }

  struct DumpRequest {
    DumpTrigger trigger;
    std::int64_t t_ms;
    int iteration;
  };

  // Heap snapshots take seconds and block the page: a worker of their own, never the sampler.
  void dump_loop() {
    std::unique_lock lock(dump_mutex_);
    for (;;) {
      dump_cv_.wait(lock, [&] { return dump_stop_ || !dump_queue_.empty(); });
      if (dump_queue_.empty()) return;
      DumpRequest request = dump_queue_.front();
      dump_queue_.pop_front();
      lock.unlock();
      take_heap_snapshot(request);
      lock.lock();
    }
  }

  void take_heap_snapshot(const DumpRequest& r) {
    const auto folder = dir_ / "dumps";
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    // A DevTools heap snapshot runs 2–4× the JS heap; the renderer's private memory bounds that.
    const double estimate = std::max(64.0 * 1048576, 3 * r.trigger.value);
    const std::uint64_t free = free_disk_bytes(folder);
    if (static_cast<double>(free) < estimate + static_cast<double>(kDiskReserveBytes)) {
      event("dump_refused",
            fmt::format("{}: a heap snapshot of ~{} would leave less than {} free on the results "
                        "disk ({} free); free space or move --out",
                        r.trigger.describe, format_bytes(estimate),
                        format_bytes(static_cast<double>(kDiskReserveBytes)),
                        format_bytes(static_cast<double>(free))),
            {{"free_bytes", free}, {"estimate_bytes", estimate}});
      return;
    }
    const std::string name = fmt::format("heap-rule{}-{:02d}-{}-{:.0f}MiB.heapsnapshot",
                                         r.trigger.rule + 1, r.trigger.number,
                                         plan_.dumps.rules[r.trigger.rule].metric,
                                         r.trigger.value / 1048576.0);
    try {
      Watchdog::Pause pause(watchdog_.get());  // the snapshot blocks the page on purpose
      std::lock_guard session_lock(session_mutex_);
      if (!session_) return;
      const std::uint64_t size = session_->write_heap_snapshot(folder / name);
      DumpRecord record{r.t_ms, r.iteration, "heap_snapshot", r.trigger.describe,
                        plan_.dumps.rules[r.trigger.rule].metric, r.trigger.value,
                        "dumps/" + name, size};
      add_dump(record);
      event("dump_written", fmt::format("{}: {} ({})", r.trigger.describe, record.file,
                                        format_bytes(static_cast<double>(size))));
    } catch (const std::exception& e) {
      event("dump_failed", fmt::format("{}: {}", r.trigger.describe, e.what()));
    }
  }

  void add_dump(const DumpRecord& record) {
    recorder_->add_dump(record);
    std::lock_guard lock(events_->mutex());
    summary_.dumps.push_back(record);
  }

  // ---- heartbeat and hangs ----

  void on_heartbeat(double latency_ms) {
    const int iteration = iteration_.load();
    recorder_->add_heartbeat(HeartbeatRecord{now_ms(), iteration, latency_ms});
    std::lock_guard lock(events_->mutex());
    double& slowest = heartbeat_max_[iteration];
    if (latency_ms < 0 || slowest >= 0) slowest = latency_ms < 0 ? -1 : std::max(slowest, latency_ms);
  }

  // The page stopped answering: keep the evidence, then crash its renderer so that the blocked
  // driver call returns and the run ends as hung.
  void on_hang(std::chrono::milliseconds unresponsive) {
    hung_ = true;
    crashed_or_hung_ = true;
    event("hung", fmt::format("the page has not answered for {} ms (hang limit {} ms)",
                              unresponsive.count(), plan_.scenario->timeouts.hang_ms),
          {{"unresponsive_ms", unresponsive.count()}});
    std::lock_guard lock(session_mutex_);
    if (!session_ || !plan_.dumps.on_hang) {
      if (session_) session_->crash_page();
      return;
    }
    try {
      const std::string stack = session_->capture_hang_stack(std::chrono::milliseconds(3000));
      if (!stack.empty()) {
        std::filesystem::create_directories(dir_ / "dumps");
        const std::string name = fmt::format("hang-stack-iteration-{}.json", iteration_.load());
        std::ofstream(dir_ / "dumps" / name) << stack << "\n";
        add_dump(DumpRecord{now_ms(), iteration_.load(), "hang_stack", "on_hang", "", 0,
                            "dumps/" + name, stack.size()});
      }
    } catch (const std::exception& e) {
      event("dump_failed", fmt::format("hang stack: {}", e.what()));
    }
    // Page.crash: Chromium's own crash path writes a minidump (crashpad, BREAKPAD_DUMP_LOCATION).
    session_->crash_page();
  }

  void wait_for_minidump(const std::filesystem::path& folder) {
    const auto deadline = Clock::now() + kMinidumpWait;
    while (Clock::now() < deadline) {
      std::error_code ec;
      for (auto it = std::filesystem::recursive_directory_iterator(folder, ec);
           it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->path().extension() == ".dmp") return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // Chromium's minidumps (crashpad keeps them under dumps/pending, completed...).
  void index_minidumps() {
    std::error_code ec;
    const auto folder = dir_ / "dumps";
    if (!std::filesystem::exists(folder, ec)) return;
    for (auto it = std::filesystem::recursive_directory_iterator(folder, ec);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->path().extension() != ".dmp") continue;
      const std::string file = std::filesystem::relative(it->path(), dir_).string();
      add_dump(DumpRecord{now_ms(), iteration_.load(), "minidump",
                          hung_ ? "on_hang" : "crash", "", 0, file,
                          static_cast<std::uint64_t>(std::filesystem::file_size(it->path(), ec))});
    }
  }

  // ---- driving ----

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
    if (const std::string crash = crash_notice(); !crash.empty()) throw BrowserLost(crash);
    if (!session_->alive()) throw BrowserLost("the browser process exited");
  }

  // The message of a crash or detach the browser announced since the last look, or "".
  std::string crash_notice() {
    std::string crash;
    for (const auto& notice : session_->take_notices()) {
      if (crash.empty() && (notice.kind == "crashed" || notice.kind == "detached")) {
        crash = notice.message;
      }
    }
    return crash;
  }

  StepRunner make_runner() {
    StepEnvironment env;
    env.driver = &session_->driver();
    env.gc = &session_->garbage_collector();
    env.timeouts = plan_.scenario->timeouts;
    env.input = plan_.input;
    env.base_url = summary_.info.start_url;
    env.screenshot_dir = dir_ / "screenshots";
    env.stop = &stop_;
    env.now_ms = [this] { return now_ms(); };
    return StepRunner(env);
  }

  // Open the start page and run the set-up steps (at the start, after a reload or restart).
  void open_and_set_up(const std::string& phase) {
    StepRunner runner = make_runner();
    Step open_start;
    open_start.kind = StepKind::kOpen;
    open_start.url = summary_.info.start_url;
    open_start.label = "open the start page";
    open_start.where = {plan_.scenario->file.string(), 0, 0};
    run_phase(runner, phase, {open_start}, iteration_.load());
    run_phase(runner, phase, plan_.scenario->setup, iteration_.load());
    check_browser();
  }

  void drive() {
    guarded([this] {
      if (plan_.drive == DriveMode::kPage) drive_page();
      else drive_steps();
    });
  }

  void set_completed() {
    RunInfo& info = summary_.info;
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
  }

  bool decided() const {
    return plan_.iterations_auto && summary_.verdict &&
           summary_.verdict->kind != VerdictKind::kInsufficient;
  }

  // Page mode: the page runs the workflow and posts a beacon after set-up and after each
  // iteration; the reply (after a checkpoint when one is due) lets it go on or stops it.
  void drive_page() {
    RunInfo& info = summary_.info;
    BeaconChannel& beacons = *plan_.beacons;
    const Timeouts& t = plan_.scenario->timeouts;
    observer_.phase(plan_, info, "set-up (in the page)");
    iteration_ = 0;
    Beacon beacon = next_beacon(std::chrono::milliseconds(t.page_load_ms + t.script_ms));
    if (!beacon.ok) page_failed("set-up", beacon.error);
    if (plan_.warmup == 0) checkpoint(0);
    iteration_ = plan_.warmup > 0 ? -plan_.warmup : 1;
    beacons.reply(true);
    std::int64_t started = now_ms();
    for (;;) {
      beacon = next_beacon(std::chrono::milliseconds(t.script_ms));
      const int n = beacon.iteration;
      recorder_->add_iteration(IterationRecord{n, started, now_ms(), beacon.ok});
      started = now_ms();
      if (!beacon.ok) page_failed(fmt::format("iteration {}", n), beacon.error);
      if (n < 0) {
        if (n == -1) checkpoint(0);
        iteration_ = n == -1 ? 1 : n + 1;
        beacons.reply(true);
        continue;
      }
      info.iterations_completed = n;
      {
        std::lock_guard lock(events_->mutex());
        summary_.iteration_ms.push_back({n, beacon.page_ms});
      }
      std::optional<double> latest;
      if (auto batch = sampler_->latest()) latest = renderer_private_bytes(batch->processes);
      observer_.iteration_done(plan_, info, n, latest);
      bool last = n >= plan_.iterations;
      if (n % plan_.checkpoint.every == 0 || last) {
        checkpoint(n);
        recorder_->update_run(info);
        last = last || decided();
      }
      if (stop_.load()) {
        beacons.reply(false);
        throw Interrupted();
      }
      iteration_ = n + 1;
      beacons.reply(!last);
      if (last) break;
    }
    set_completed();
  }

  [[noreturn]] void page_failed(const std::string& what, const std::string& error) {
    throw StepFailed(fmt::format("{} failed in the page: {}", what, error), what,
                     {plan_.scenario->file.string(), 0, 0});
  }

  // The page's next beacon. While waiting: Ctrl-C, a crash, a hang; after `limit` without one,
  // a page that still answers has failed its iteration, one that does not is hung.
  Beacon next_beacon(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
      if (auto beacon = plan_.beacons->wait(std::chrono::milliseconds(200))) return *beacon;
      if (stop_.load()) {
        plan_.beacons->reply(false);
        throw Interrupted();
      }
      check_browser();
      if (hung_) throw BrowserLost("the page stopped answering");
      if (Clock::now() > deadline) {
        if (!session_->ping_page_ms(std::chrono::milliseconds(2000))) {
          on_hang(limit);
          throw BrowserLost("the page stopped answering");
        }
        page_failed(fmt::format("iteration {}", iteration_.load()),
                    fmt::format("no beacon within {} ms (timeouts.script_ms)", limit.count()));
      }
    }
  }

  // Runs the driving of a run and turns what ends it into the run's status.
  void guarded(const std::function<void()>& body) {
    RunInfo& info = summary_.info;
    try {
      body();
    } catch (const StepFailed& e) {
      // A step that failed because the renderer died, or because the page stopped answering, is
      // a crash or a hang, not a scenario problem. (A dead browser is not asked whether it
      // answers: it would be taken for a hang.)
      const std::string crash = crash_notice();
      const bool gone = !crash.empty() || !session_->alive();
      if (!gone && !hung_ && !session_->ping_page_ms(std::chrono::milliseconds(2000))) {
        on_hang(std::chrono::milliseconds(2000));
      }
      if (hung_ || gone) {
        browser_lost(crash.empty() ? e.what() : crash);
      } else {
        set_status(RunStatus::kStepFailed, e.what());
        event("step_failed", e.what(), {{"step", e.label()}, {"where", to_string(e.where())}});
        if (plan_.drive == DriveMode::kDriver) failure_screenshot();
      }
    } catch (const BrowserLost& e) {
      browser_lost(e.what());
    } catch (const Interrupted&) {
      set_status(RunStatus::kInterrupted,
                 fmt::format("interrupted by the user after {} iterations",
                             info.iterations_completed));
      event("interrupted", summary_.info.reason);
    } catch (const std::exception& e) {
      // Whatever failed first (a CDP connection reaching end of file, a WebDriver socket) may
      // only be the messenger of a browser that died: that is a crash, not a harness error.
      const std::string crash = session_ ? crash_notice() : std::string();
      if (session_ && (!crash.empty() || !session_->alive())) {
        browser_lost(crash.empty() ? e.what() : crash);
      } else {
        set_status(RunStatus::kError, e.what());
        event("error", e.what());
      }
    }
  }

  void drive_steps() {
    RunInfo& info = summary_.info;
    {
      observer_.phase(plan_, info, "set-up");
      iteration_ = 0;
      open_and_set_up("setup");
      for (int w = plan_.warmup; w >= 1; --w) {
        observer_.phase(plan_, info, fmt::format("warm-up {}/{}", plan_.warmup - w + 1,
                                                 plan_.warmup));
        run_iteration(-w);
      }
      checkpoint(0);
      for (int i = 1; i <= plan_.iterations; ++i) {
        run_iteration(i);
        info.iterations_completed = i;
        std::optional<double> latest;
        if (auto batch = sampler_->latest()) latest = renderer_private_bytes(batch->processes);
        observer_.iteration_done(plan_, info, i, latest);
        if (i % plan_.checkpoint.every == 0 || i == plan_.iterations) {
          checkpoint(i);
          recorder_->update_run(info);
          // Adaptive length: stop as soon as the curves say something definite.
          if (decided()) break;
        }
        if (i < plan_.iterations) mitigate(i);
      }
      set_completed();
    }
  }

  // The browser or its renderer is gone: which kind of end was it?
  void browser_lost(const std::string& what) {
    crashed_or_hung_ = true;
    const int at = iteration_.load();
    if (hung_) {
      set_status(RunStatus::kHung,
                 fmt::format("the page stopped answering at iteration {} (more than {} ms); "
                             "evidence in dumps/",
                             at, plan_.scenario->timeouts.hang_ms));
      return;
    }
    const bool limit = plan_.ceiling && plan_.ceiling->enforce == CeilingEnforcement::kLimit;
    const double ceiling = plan_.ceiling ? static_cast<double>(plan_.ceiling->bytes) : 0;
    if (ceiling_killed_) {
      set_status(RunStatus::kCeilingReached,
                 fmt::format("the renderer passed the ceiling of {} at iteration {} and was ended "
                             "(enforce: kill)",
                             format_bytes(ceiling), at));
      event("crashed", what);
      return;
    }
    // The samples after the death no longer see the renderer: judge by the highest one since
    // the last checkpoint.
    const double before_death = std::max(interval_peak_.load(), last_renderer_bytes_.load());
    if (limit && before_death >= kLimitDeathShare * ceiling) {
      set_status(RunStatus::kCeilingReached,
                 fmt::format("the renderer died at {} against its ceiling of {} at iteration {} "
                             "(enforce: limit, an allocation failed at its data limit): {}",
                             format_bytes(before_death), format_bytes(ceiling), at, what));
      {
        std::lock_guard lock(events_->mutex());
        if (summary_.ceiling && !summary_.ceiling->reached_iteration) {
          summary_.ceiling->reached_iteration = at;
          summary_.ceiling->reached_t_ms = now_ms();
          summary_.ceiling->reached_bytes = before_death;
        }
      }
      event("ceiling_reached", summary_.info.reason,
            {{"bytes", before_death}, {"enforce", "limit"}});
      event("crashed", what);
      return;
    }
    set_status(RunStatus::kCrashed, fmt::format("the browser went away at iteration {}: {}", at,
                                                what));
    event("crashed", what);
  }

  void run_iteration(int n) {
    iteration_ = n;
    StepRunner runner = make_runner();
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
    if (n > 0) {
      std::lock_guard lock(events_->mutex());
      summary_.iteration_ms.push_back({n, static_cast<double>(record.ended_ms - record.started_ms)});
    }
  }

  // reload_every / restart_every after iteration i.
  void mitigate(int i) {
    if (plan_.restart_every > 0 && i % plan_.restart_every == 0) {
      observer_.phase(plan_, summary_.info, fmt::format("restarting the browser after {}", i));
      stop_browser();
      if (!start_browser()) throw BrowserLost("the browser could not be restarted");
      open_and_set_up("restart");
      summary_.mitigation.restarts++;
      event("restarted", fmt::format("a new browser after iteration {} (restart_every {})", i,
                                     plan_.restart_every));
    } else if (plan_.reload_every > 0 && i % plan_.reload_every == 0) {
      open_and_set_up("reload");
      summary_.mitigation.reloads++;
      event("reloaded", fmt::format("top-level navigation after iteration {} (reload_every {})",
                                    i, plan_.reload_every));
    }
  }

  void checkpoint(int iteration) {
    RunInfo& info = summary_.info;
    observer_.phase(plan_, info, fmt::format("checkpoint at iteration {}", iteration));
    CheckpointRecord record;
    record.iteration = iteration;
    record.gc = plan_.checkpoint.gc;
    {
      Watchdog::Pause pause(watchdog_.get());  // a forced GC blocks the page on purpose
      try {
        if (plan_.checkpoint.gc) {
          for (int pass = 0; pass < kGcPasses; ++pass) session_->garbage_collector().collect_garbage();
        }
      } catch (const CdpTargetCrashed& e) {
        throw BrowserLost(e.what());
      }
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
    record.metrics[metric::kRendererPrivatePeak] =
        std::max(interval_peak_.exchange(0), record.metrics[metric::kRendererPrivate]);
    try {
      for (const auto& [name, value] : session_->read_page_counters()) record.metrics[name] = value;
    } catch (const CdpTargetCrashed& e) {
      throw BrowserLost(e.what());
    } catch (const std::exception& e) {
      event("counters_unavailable", fmt::format("page counters at iteration {}: {}", iteration,
                                                e.what()));
    }
    collect_page_errors();
    recorder_->add_checkpoint(record);
    {
      std::lock_guard lock(events_->mutex());
      summary_.checkpoints.push_back(record);
      summary_.checkpoints.back().processes.clear();  // per-process detail lives in the store
      summary_.verdict = analyze_checkpoints(summary_.checkpoints);
      recorder_->write_summary(summary_, false);
    }
    observer_.checkpoint_done(plan_, info, record);
    if (iteration == 0 && !dump_rules_armed_) {
      dump_rules_armed_ = true;
      dump_baseline_due_ = true;  // the sampler arms relative dump rules on its next sample
    }
  }

  void collect_page_errors() {
    try {
      for (const auto& e : session_->take_page_errors()) {
        event("js_error", e.message, {{"source", e.source}});
      }
    } catch (const CdpTargetCrashed& e) {
      throw BrowserLost(e.what());
    } catch (const std::exception&) {
      // The page did not answer: its errors stay for the next checkpoint.
    }
  }

  // The verdict, the ceiling projections, the mitigation result and the expectations.
  void analyze() {
    std::lock_guard lock(events_->mutex());
    if (summary_.checkpoints.empty()) {
      summary_.verdict.reset();
    } else {
      summary_.verdict = analyze_checkpoints(summary_.checkpoints);
      if (plan_.ceiling && summary_.verdict->kind == VerdictKind::kRetains) {
        summary_.projection =
            project_to_ceiling(summary_.checkpoints, static_cast<double>(plan_.ceiling->bytes));
      }
    }
    if (summary_.ceiling && summary_.ceiling->reached_iteration) {
      // How well the start of the curve predicted it: the first 25 % of the iterations.
      const double quarter = 0.25 * *summary_.ceiling->reached_iteration;
      std::vector<CheckpointRecord> early;
      for (const auto& c : summary_.checkpoints) {
        if (c.iteration <= quarter) early.push_back(c);
      }
      summary_.ceiling->early_projection = project_to_ceiling(early, summary_.ceiling->bytes);
    }
    for (const auto& [iteration, slowest] : heartbeat_max_) {
      if (iteration > 0) summary_.heartbeat_max_ms.push_back({iteration, slowest});
    }
    if (plan_.ceiling) {
      summary_.mitigation.stayed_below_ceiling =
          !summary_.ceiling->reached_iteration &&
          (!summary_.peak || summary_.peak->bytes <= summary_.ceiling->bytes);
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

  // The ceiling watches live memory, so its crossing is projected on the interval peaks of the
  // ceiling metric, not on the after-GC curve, which stays far lower while garbage accumulates:
  // the after-GC line plus the median headroom of the peaks above it (see projection.hpp).
  std::optional<Projection> project_to_ceiling(const std::vector<CheckpointRecord>& checkpoints,
                                               double ceiling_bytes) const {
    if (plan_.ceiling->metric == metric::kRendererPrivate) {
      return project_ceiling_with_headroom(checkpoints, metric::kRendererPrivate,
                                           metric::kRendererPrivatePeak, ceiling_bytes);
    }
    return project_ceiling(checkpoints, plan_.ceiling->metric, ceiling_bytes);
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

  const RunPlan& plan_;
  Store& store_;
  RunObserver& observer_;
  const std::atomic<bool>& stop_;
  Clock::time_point started_;
  std::filesystem::path dir_;
  RunSummary summary_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<EventLog> events_;
  std::unique_ptr<CleanupJournal> journal_;
  std::size_t journaled_ = 0;  // tree members written to the journal; sampler thread only
  bool cleaned_up_ = true;     // the last browser ended with no survivor and no profile left
  std::mutex session_mutex_;  // guards session_ swaps against the sampler, watchdog, dump worker
  std::unique_ptr<BrowserSession> session_;
  std::unique_ptr<Sampler> sampler_;
  std::unique_ptr<Watchdog> watchdog_;
  std::atomic<int> iteration_{0};
  std::atomic<double> last_renderer_bytes_{0};
  std::atomic<double> interval_peak_{0};  // highest sample since the last checkpoint
  std::atomic<bool> ceiling_reached_{false};
  std::atomic<bool> ceiling_killed_{false};
  std::atomic<bool> hung_{false};
  std::atomic<bool> crashed_or_hung_{false};
  std::map<Pid, std::uint64_t> limited_;  // renderer -> its data limit; sampler thread only
  std::map<int, double> heartbeat_max_;  // under events_->mutex()
  DumpRules dump_rules_;                 // sampler thread only
  std::atomic<bool> dump_baseline_due_{false};
  bool dump_rules_armed_ = false;  // runner thread only
  std::mutex dump_mutex_;
  std::condition_variable dump_cv_;
  std::deque<DumpRequest> dump_queue_;
  bool dump_stop_ = false;
  std::thread dump_worker_;
};

}  // namespace

RunResult execute_run(const RunPlan& plan, Store& store, RunObserver& observer,
                      const std::atomic<bool>& stop) {
  RunExecution execution(plan, store, observer, stop);
  return execution.execute();
}

}  // namespace harness
