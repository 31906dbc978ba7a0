#include "harness/run/outcome.hpp"

#include <fmt/format.h>

#include "harness/model/units.hpp"

namespace harness {

namespace {

// The browser or its renderer is gone (or the page hung): which kind of end was it?
Outcome browser_lost(const OutcomeFacts& f) {
  Outcome out;
  out.crashed_or_hung = true;
  const int at = f.iteration;
  if (f.hung) {
    out.status = RunStatus::kHung;
    out.reason = fmt::format("the page stopped answering at iteration {} (more than {} ms); "
                             "evidence in dumps/",
                             at, f.hang_ms);
    return out;
  }
  const double ceiling = f.ceiling ? static_cast<double>(f.ceiling->bytes) : 0;
  if (f.ceiling_killed) {
    out.status = RunStatus::kCeilingReached;
    out.reason = fmt::format("the renderer passed the ceiling of {} at iteration {} and was ended "
                             "(enforce: kill)",
                             format_bytes(ceiling), at);
    out.events.push_back({"crashed", f.message});
    return out;
  }
  // The samples after the death no longer see the renderer: judge by the highest one since the
  // last checkpoint.
  const bool limit = f.ceiling && f.ceiling->enforce == CeilingEnforcement::kLimit;
  const double before = f.renderer_bytes_before_death;
  if (limit && before >= kLimitDeathShare * ceiling) {
    out.status = RunStatus::kCeilingReached;
    out.reason = fmt::format("the renderer died at {} against its ceiling of {} at iteration {} "
                             "(enforce: limit, an allocation failed at its data limit): {}",
                             format_bytes(before), format_bytes(ceiling), at, f.message);
    out.ceiling_reached_bytes = before;
    out.events.push_back({"ceiling_reached", out.reason, {{"bytes", before}, {"enforce", "limit"}}});
    out.events.push_back({"crashed", f.message});
    return out;
  }
  out.status = RunStatus::kCrashed;
  out.reason = fmt::format("the browser went away at iteration {}: {}", at, f.message);
  out.events.push_back({"crashed", f.message});
  return out;
}

}  // namespace

Outcome decide_outcome(const OutcomeFacts& f) {
  Outcome out;
  switch (f.end) {
    case DriveEnd::kCompleted:
      out.status = RunStatus::kCompleted;
      out.reason = f.adaptive ? fmt::format("{} iterations completed (adaptive: {})",
                                            f.iterations_completed,
                                            f.verdict_decided
                                                ? "verdict decided"
                                                : "maximum reached without a decided verdict")
                              : fmt::format("{} iterations completed", f.iterations_completed);
      return out;
    case DriveEnd::kStepFailed:
      if (f.hung) return browser_lost(f);  // the page stopped answering mid-step
      out.status = RunStatus::kStepFailed;
      out.reason = f.message;
      out.events.push_back({"step_failed", f.message,
                            {{"step", f.step_label}, {"where", to_string(f.step_where)}}});
      out.failure_screenshot = true;
      return out;
    case DriveEnd::kBrowserLost:
      return browser_lost(f);
    case DriveEnd::kInterrupted:
      out.status = RunStatus::kInterrupted;
      out.reason = fmt::format("interrupted by the user after {} iterations",
                               f.iterations_completed);
      out.events.push_back({"interrupted", out.reason});
      return out;
    case DriveEnd::kError:
      out.status = RunStatus::kError;
      out.reason = f.message;
      out.events.push_back({"error", f.message});
      return out;
    case DriveEnd::kLaunchFailed:
      out.status = RunStatus::kError;
      out.reason = fmt::format("the browser could not be started: {}", f.message);
      out.events.push_back({"launch_failed", f.message});
      return out;
  }
  return out;
}

}  // namespace harness
