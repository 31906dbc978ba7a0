// Checkpoints (forced GC, settle, detailed readings of every process, the page's counters) and
// the analysis of their curves: the verdict after every checkpoint, and at the end the
// projections, the mitigation result and the expectations.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "harness/analyze/expectations.hpp"
#include "harness/analyze/projection.hpp"
#include "harness/analyze/verdict.hpp"
#include "harness/drive/cdp_client.hpp"
#include "harness/run/checkpoint_metrics.hpp"
#include "harness/run/checkpoint_schedule.hpp"
#include "harness/run/execution.hpp"

namespace harness {

using nlohmann::json;

void RunExecution::iteration_done(int n) {
  summary_.info.iterations_completed = n;
  std::optional<double> latest;
  if (auto batch = sampler_->latest()) latest = renderer_private_bytes(batch->processes);
  observer_.iteration_done(plan_, summary_.info, n, latest);
}

bool RunExecution::decided() const {
  return plan_.iterations_auto && summary_.verdict &&
         summary_.verdict->kind != VerdictKind::kInsufficient && !attribution_pending();
}

bool RunExecution::checkpoint_due(int i) const {
  CheckpointSchedule schedule{plan_.checkpoint.every, plan_.iterations, plan_.iterations_auto};
  schedule.dense = summary_.verdict && too_noisy(*summary_.verdict);
  return schedule.due(i);
}

void RunExecution::checkpoint(int iteration) {
  RunInfo& info = summary_.info;
  observer_.phase(plan_, info, fmt::format("checkpoint at iteration {}", iteration));
  CheckpointRecord record;
  record.iteration = iteration;
  record.gc = plan_.checkpoint.gc;
  // What each part costs, with -v (measured on vtm-review: the first forced GC 230-400 ms, the
  // second 7-100 ms, the settle its 200 ms, the detailed readings 15-45 ms, the rest < 10 ms).
  auto lap = [&, last = RunClock::now()](const char* what) mutable {
    const auto t = RunClock::now();
    spdlog::debug("checkpoint {}: {} {:.1f} ms", iteration, what,
                  std::chrono::duration<double, std::milli>(t - last).count());
    last = t;
  };
  {
    Watchdog::Pause pause(watchdog_.get());  // a forced GC blocks the page on purpose
    try {
      if (plan_.checkpoint.gc) {
        for (int pass = 0; pass < kGcPasses; ++pass) {
          session_->garbage_collector().collect_garbage();
          lap(pass == 0 ? "first gc" : "second gc");
        }
      }
    } catch (const CdpTargetCrashed& e) {
      throw BrowserLost(e.what());
    }
  }
  // Settle: lets the freed memory go back before measuring (~200 ms cuts the noise ~20×).
  const auto until = RunClock::now() + std::chrono::milliseconds(plan_.checkpoint.settle_ms);
  while (RunClock::now() < until) {
    if (stop_.load()) throw Interrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  lap("settle");
  ProcessSource& tree = session_->process_tree();
  tree.refresh(true);
  lap("refresh");
  record.t_ms = now_ms();
  record.processes = tree.read_detailed();
  lap("detailed");
  record.metrics = aggregate_process_metrics(record.processes);
  record.metrics[metric::kRendererPrivatePeak] =
      std::max(interval_peak_.exchange(0), record.metrics[metric::kRendererPrivate]);
  try {
    for (const auto& [name, value] : session_->read_page_counters()) record.metrics[name] = value;
  } catch (const CdpTargetCrashed& e) {
    throw BrowserLost(e.what());
  } catch (const std::exception& e) {
    event("counters_unavailable",
          fmt::format("page counters at iteration {}: {}", iteration, e.what()));
  }
  lap("counters");
  collect_page_errors();
  lap("errors");
  recorder_->add_checkpoint(record);
  {
    std::lock_guard lock(events_->mutex());
    summary_.checkpoints.push_back(record);
    summary_.checkpoints.back().processes.clear();  // per-process detail lives in the store
    summary_.verdict = analyze_checkpoints(summary_.checkpoints);
    recorder_->write_summary(summary_, false);
  }
  lap("store+verdict+summary");
  observer_.checkpoint_done(plan_, info, record);
  if (plan_.attribution) attribution_checkpoint(iteration);
  if (iteration == 0 && !dump_baseline_armed_) {
    dump_baseline_armed_ = true;
    dump_worker_->arm_at_next_sample();  // relative dump rules count from the next sample
  }
}

void RunExecution::collect_page_errors() {
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

void RunExecution::analyze() {
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
std::optional<Projection> RunExecution::project_to_ceiling(
    const std::vector<CheckpointRecord>& checkpoints, double ceiling_bytes) const {
  if (plan_.ceiling->metric == metric::kRendererPrivate) {
    return project_ceiling_with_headroom(checkpoints, metric::kRendererPrivate,
                                         metric::kRendererPrivatePeak, ceiling_bytes);
  }
  return project_ceiling(checkpoints, plan_.ceiling->metric, ceiling_bytes);
}

}  // namespace harness
