// Page mode: the page runs the workflow (pages/harness/page-runner.js) and posts a beacon after
// set-up and after each iteration; the harness holds the reply until it has measured — a
// checkpoint when one is due — then lets the page go on or stops it.
#include <fmt/format.h>

#include "harness/run/execution.hpp"

namespace harness {

void RunExecution::drive_page() {
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
    {
      std::lock_guard lock(events_->mutex());
      summary_.iteration_ms.push_back({n, beacon.page_ms});
    }
    iteration_done(n);
    bool last = n >= plan_.iterations;
    if (checkpoint_due(n) || last) {
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
}

[[noreturn]] void RunExecution::page_failed(const std::string& what, const std::string& error) {
  throw StepFailed(fmt::format("{} failed in the page: {}", what, error), what,
                   {plan_.scenario->file.string(), 0, 0});
}

// The page's next beacon. While waiting: Ctrl-C, a crash, a hang; after `limit` without one, a
// page that still answers has failed its iteration, one that does not is hung.
Beacon RunExecution::next_beacon(std::chrono::milliseconds limit) {
  const auto deadline = RunClock::now() + limit;
  for (;;) {
    if (auto beacon = plan_.beacons->wait(std::chrono::milliseconds(200))) return *beacon;
    if (stop_.load()) {
      plan_.beacons->reply(false);
      throw Interrupted();
    }
    check_browser();
    if (hung_) throw BrowserLost("the page stopped answering");
    if (RunClock::now() > deadline) {
      if (!session_->ping_page_ms(std::chrono::milliseconds(2000))) {
        on_hang(limit);
        throw BrowserLost("the page stopped answering");
      }
      page_failed(fmt::format("iteration {}", iteration_.load()),
                  fmt::format("no beacon within {} ms (timeouts.script_ms)", limit.count()));
    }
  }
}

}  // namespace harness
