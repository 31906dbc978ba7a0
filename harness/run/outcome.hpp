// How a run ended, as a pure function: the facts the runner gathered at the end of the drive
// (what stopped it, whether the page hung, whether a ceiling guard acted, how far the run got)
// in; the run's status, its reason in words and the events that record it out. The runner does
// the live checks (is the browser still there? does the page still answer?) before calling it,
// so every status can be decided — and tested — without a browser.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/error.hpp"
#include "harness/model/run_model.hpp"
#include "harness/scenario/scenario.hpp"

namespace harness {

// A renderer that dies in limit mode within this share of the ceiling died of the limit.
inline constexpr double kLimitDeathShare = 0.85;

enum class DriveEnd {
  kCompleted,     // every planned iteration ran (or an adaptive run decided)
  kStepFailed,    // a step failed while the browser was alive and answering
  kBrowserLost,   // the browser or the page's renderer went away, or the page hung
  kInterrupted,   // Ctrl-C
  kError,         // anything else, with the browser alive
  kLaunchFailed,  // the browser or driver never came up
};

struct OutcomeFacts {
  DriveEnd end = DriveEnd::kCompleted;
  std::string message;  // what the failure said (the exception's text, the crash notice)
  std::string step_label;
  SourceLocation step_where;
  int iteration = 0;  // the iteration in progress when it ended
  int iterations_completed = 0;
  bool hung = false;            // the watchdog (or a failed ping) declared the page hung
  int hang_ms = 0;              // the scenario's hang limit
  bool ceiling_killed = false;  // the ceiling guard ended the renderer (enforce: kill)
  std::optional<Ceiling> ceiling;
  double renderer_bytes_before_death = 0;  // the highest sample since the last checkpoint
  bool adaptive = false;                   // iterations: auto
  bool verdict_decided = false;            // the last verdict is not `insufficient`
};

struct OutcomeEvent {
  std::string kind;
  std::string message;
  nlohmann::json details = nlohmann::json::object();
};

struct Outcome {
  RunStatus status = RunStatus::kError;
  std::string reason;
  std::vector<OutcomeEvent> events;
  // enforce: limit and the renderer died of it: the ceiling counts as reached now, at this value.
  std::optional<double> ceiling_reached_bytes;
  bool failure_screenshot = false;  // a step failure in driver mode: keep what the page showed
  bool crashed_or_hung = false;     // wait for the browser's own minidump before ending it
};

Outcome decide_outcome(const OutcomeFacts& facts);

}  // namespace harness
