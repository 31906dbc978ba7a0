// Leak attribution in a run (issue 16; attribute/ has the method): what the run takes for it at
// its checkpoints, and the analysis after the browser has ended.
//
// When the snapshots are taken (after the checkpoint's forced GCs and readings, so they do not
// disturb the curve's point; the snapshot itself blocks the page for a while, so the watchdog
// is paused as for a GC):
//   fixed iterations N: the baseline checkpoint (0), the first checkpoint at or past N/2, and
//                       the last (N);
//   iterations: auto:   the baseline, the checkpoint whose verdict first says `retains`
//                       (iteration k), and the first checkpoint at or past k + max(every, k/2):
//                       the run goes on that far even though the verdict is decided, because a
//                       third snapshot is what tells a leak from a one-off. A `stable` or
//                       `plateau` verdict ends the run as before, with nothing to attribute.
// No snapshots with reload_every/restart_every (object ids do not survive a reload), nor after
// one failed (the error is an event; an auto run does not wait for the third).
// The frames' DOM counts (harness/drive/scripts/frame_dom_counts.js) are read at every
// checkpoint in driver mode: in IE, where there is no heap snapshot, they are all there is.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "harness/attribute/attribution.hpp"
#include "harness/drive/cdp_client.hpp"
#include "harness/drive/page_scripts.hpp"
#include "harness/run/execution.hpp"

namespace harness {

namespace {

bool takes_heap_snapshots(const RunPlan& plan) {
  return plan.profile->dump_format().kind == "heap_snapshot";
}

// Object ids are only comparable within one page's life: a reload or a new browser between the
// snapshots makes every object of the last one new.
bool one_page_life(const RunPlan& plan) { return plan.reload_every == 0 && plan.restart_every == 0; }

}  // namespace

bool RunExecution::attribution_pending() const {
  return plan_.attribution && attribution_last_at_ > 0 && attribution_.snapshots.size() < 3 &&
         !attribution_failed_;
}

void RunExecution::attribution_checkpoint(int iteration) {
  if (plan_.drive == DriveMode::kDriver) {
    try {
      const auto answer = session_->driver().execute(page_script::k_frame_dom_counts,
                                                     nlohmann::json::array());
      if (answer.is_string()) {
        attribution_.dom_counts.push_back(
            {iteration, parse_frame_dom_counts(answer.get<std::string>())});
      }
    } catch (const CdpTargetCrashed& e) {
      throw BrowserLost(e.what());
    } catch (const std::exception& e) {
      event("attribution_unavailable",
            fmt::format("the frames' DOM counts at iteration {}: {}", iteration, e.what()));
    }
  }
  if (!takes_heap_snapshots(plan_) || !one_page_life(plan_) || attribution_failed_) return;

  bool due = false;
  const auto taken = attribution_.snapshots.size();
  if (iteration == 0) {
    due = taken == 0;
  } else if (plan_.iterations_auto) {
    const bool retains = summary_.verdict && summary_.verdict->kind == VerdictKind::kRetains;
    if (taken == 1 && retains) {
      due = true;
      attribution_last_at_ = std::min(
          plan_.iterations, iteration + std::max(plan_.checkpoint.every, (iteration + 1) / 2));
    } else if (taken == 2) {
      due = iteration >= attribution_last_at_ || iteration >= plan_.iterations;
    }
  } else {
    if (taken == 1) due = iteration * 2 >= plan_.iterations && iteration < plan_.iterations;
    else if (taken == 2) due = iteration >= plan_.iterations;
  }
  if (!due) return;

  observer_.phase(plan_, summary_.info,
                  fmt::format("heap snapshot {}/3 for attribution at iteration {}", taken + 1,
                              iteration));
  const auto relative =
      std::filesystem::path("attribution") / fmt::format("heap-{:05d}.heapsnapshot", iteration);
  std::error_code ec;
  std::filesystem::create_directories(dir_ / "attribution", ec);
  try {
    Watchdog::Pause pause(watchdog_.get());  // a snapshot blocks the page on purpose
    const auto started = RunClock::now();
    const std::uint64_t size = session_->write_heap_snapshot(dir_ / relative);
    const double seconds = std::chrono::duration<double>(RunClock::now() - started).count();
    attribution_.snapshots.push_back({iteration, relative.generic_string(), size, 0});
    event("attribution_snapshot",
          fmt::format("heap snapshot {}/3 at iteration {}: {:.1f} MiB in {:.1f} s", taken + 1,
                      iteration, size / 1048576.0, seconds),
          {{"file", relative.generic_string()}, {"size_bytes", size}, {"seconds", seconds}});
  } catch (const CdpTargetCrashed& e) {
    throw BrowserLost(e.what());
  } catch (const std::exception& e) {
    attribution_failed_ = true;  // an auto run does not wait for snapshots that cannot be taken
    event("attribution_unavailable",
          fmt::format("heap snapshot at iteration {}: {}", iteration, e.what()));
  }
}

void RunExecution::attribute() {
  if (!plan_.attribution) return;
  Attribution& a = attribution_;
  a.frames_grown = frame_dom_growth(a.dom_counts);
  if (!takes_heap_snapshots(plan_)) {
    a.method = "dom_counts";
    if (plan_.drive == DriveMode::kPage) {
      a.error = fmt::format("{} takes no heap snapshots, and in page mode the harness has no "
                            "driver to count the frames' DOM from script",
                            plan_.profile->name());
    }
  } else if (!one_page_life(plan_)) {
    a.method = "heap_snapshots";
    a.error = "no heap snapshots with reload_every or restart_every: object ids are only "
              "comparable within one page's life (the frames' DOM counts are kept)";
  } else if (a.snapshots.size() < 3) {
    a.method = "heap_snapshots";
    const bool decided_early = summary_.verdict && plan_.iterations_auto &&
                               summary_.verdict->kind != VerdictKind::kRetains &&
                               summary_.verdict->kind != VerdictKind::kInsufficient;
    a.error = decided_early
                  ? fmt::format("nothing to attribute: the verdict is {}",
                                verdict_name(summary_.verdict->kind))
                  : fmt::format("the run has {} of the 3 heap snapshots attribution needs "
                                "(the baseline, a middle and the last checkpoint)",
                                a.snapshots.size());
  } else {
    try {
      attribute_heap_snapshots(a, dir_, GrowthOptions{}, [&](const std::string& what) {
        observer_.phase(plan_, summary_.info, "attribution: " + what);
      });
      spdlog::debug("attribution: {} group(s) in {:.1f} s", a.groups.size(), a.analysis_seconds);
    } catch (const std::exception& e) {
      a.method = "heap_snapshots";
      a.error = e.what();
    }
  }
  std::lock_guard lock(events_->mutex());
  summary_.attribution = a;
}

}  // namespace harness
