// Scripted input, batched: an iteration's consecutive steps that the page can run itself go to
// the page as one `execute async script` (scripts/batch.js) instead of one request per step and
// one per 50 ms poll of every wait. Measured on vtm-review (README, "Development"): ~12 steps
// with 4 waits cost ~12 round trips and ~4 poll intervals per iteration one by one.
//
// What stays as it was: each step's result (index, label, start, duration, ok, error) is
// reported in the order run_one reports it (a frame after its children, its time covering
// theirs), a failing step's error names it with file:line:col in the same words, and a step's
// timeout is its own. The page measures the times, so they no longer include a round trip.
//
// Split points (never in a batch): open and reload (navigation is the driver's), screenshot
// (the driver takes it), gc through DevTools (a forced GC must not run inside page script), and
// everything in native input mode. A click that makes the page navigate ends the batch early
// (batch.js listens for beforeunload); the rest of the steps go in the next one. A page whose
// Content-Security-Policy forbids eval gets its steps one by one (batch.js checks first).
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <optional>

#include "harness/drive/page_scripts.hpp"
#include "harness/drive/scripted_input.hpp"
#include "harness/drive/step_runner.hpp"
#include "harness/scenario/variants.hpp"

namespace harness {

using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// A batch is re-sent after each navigation it meets; a page that keeps navigating while a step
// waits would otherwise never end.
constexpr int kMaxNavigations = 20;
// Headroom of the driver's script timeout over the batch's own timeouts.
constexpr std::chrono::milliseconds kBatchMargin{10'000};

struct BatchOp {
  const Step* step = nullptr;
  std::size_t end = 0;  // one past the op's last descendant (a frame's children follow it)
  json spec;
};

struct OpTime {
  double start_ms = 0;  // run time
  double duration_ms = 0;
};

struct BatchFailure {
  enum class Kind { kStep, kBrowserLost, kInterrupted } kind = Kind::kStep;
  std::size_t op = 0;
  std::string message;  // what went wrong, without the step's label and location
  double start_ms = 0;
  double duration_ms = 0;
};

int wanted_state(WaitState state) {
  return state == WaitState::kAbsent ? 0 : state == WaitState::kVisible ? 2 : 1;
}

// The words run_one uses for the same problem.
std::string failure_message(const Step& step, const json& spec, int timeout_ms,
                            const json& failed) {
  const std::string problem = failed.value("problem", "");
  const std::string detail = failed.value("detail", "");
  const bool timed_out = failed.value("timed_out", false);
  if (problem == "script") return "javascript error: " + detail;
  switch (step.kind) {
    case StepKind::kClick:
    case StepKind::kType:
    case StepKind::kSelect:
    case StepKind::kFrame:
      return fmt::format("{} (after {} ms)", scripted::describe(problem, detail), timeout_ms);
    case StepKind::kWaitFor:
      if (!step.script.empty()) {
        if (timed_out) return fmt::format("the script did not return true within {} ms", timeout_ms);
        return "no such frame: " + scripted::describe(problem, detail);
      }
      if (timed_out) {
        return fmt::format("'{}' was not {} within {} ms", spec.value("s", step.selector),
                           scripted::state_name(step.state), timeout_ms);
      }
      return scripted::describe(problem, detail);
    case StepKind::kExecuteAsync:
      if (timed_out) {
        return fmt::format("script timeout: the script did not call its callback within {} ms "
                           "(timeouts.script_ms)",
                           timeout_ms);
      }
      return scripted::describe(problem, detail);
    default:
      return scripted::describe(problem, detail);
  }
}

}  // namespace

bool StepRunner::batchable(const Step& step) const {
  switch (step.kind) {
    case StepKind::kClick:
    case StepKind::kType:
    case StepKind::kSelect:
    case StepKind::kWaitFor:
    case StepKind::kExecute:
    case StepKind::kExecuteAsync:
    case StepKind::kSleep:
      return true;
    case StepKind::kGc:
      return env_.gc == nullptr;  // CollectGarbage() in the page, as run_one does then
    case StepKind::kFrame:
      for (const Step& child : step.steps) {
        if (!batchable(child)) return false;
      }
      return true;
    case StepKind::kOpen:
    case StepKind::kReload:
    case StepKind::kScreenshot:
      return false;
  }
  return false;
}

void StepRunner::run_sequence(const std::vector<Step>& steps,
                              const std::map<std::string, std::string>& vars,
                              const std::function<void(const StepResult&)>& on_step) {
  std::vector<const Step*> batch;
  for (const Step& step : steps) {
    if (batchable(step)) {
      batch.push_back(&step);
      continue;
    }
    if (!batch.empty()) run_batch(batch, vars, on_step);
    batch.clear();
    run_one(step, vars, on_step);
  }
  if (!batch.empty()) run_batch(batch, vars, on_step);
}

void StepRunner::run_batch(const std::vector<const Step*>& steps,
                           const std::map<std::string, std::string>& vars,
                           const std::function<void(const StepResult&)>& on_step) {
  // The ops, in the order run_one would run the steps: a frame, then its children.
  std::vector<BatchOp> ops;
  std::function<void(const Step&, const std::vector<std::string>&)> add =
      [&](const Step& step, const std::vector<std::string>& path) {
        const std::size_t at = ops.size();
        ops.push_back(BatchOp{&step, at + 1, json::object()});
        json spec = {{"p", path}, {"t", timeout_ms(step)}};
        const std::string selector = substitute(step.selector, vars);
        switch (step.kind) {
          case StepKind::kClick:
            spec.update({{"k", "click"}, {"s", selector}});
            break;
          case StepKind::kType:
            spec.update({{"k", "type"}, {"s", selector}, {"x", substitute(step.text, vars)},
                         {"c", step.clear}});
            break;
          case StepKind::kSelect:
            spec.update({{"k", "select"}, {"s", selector}, {"v", substitute(step.value, vars)},
                         {"x", substitute(step.text, vars)}});
            break;
          case StepKind::kWaitFor:
            if (!step.script.empty()) {
              spec.update({{"k", "until"}, {"x", substitute(step.script, vars)}});
            } else {
              spec.update({{"k", "state"}, {"s", selector}, {"w", wanted_state(step.state)}});
            }
            break;
          case StepKind::kExecute:
            spec.update({{"k", "exec"}, {"x", substitute(step.script, vars)}});
            break;
          case StepKind::kExecuteAsync:
            spec.update({{"k", "async"}, {"x", substitute(step.script, vars)},
                         {"t", env_.timeouts.script_ms}});
            break;
          case StepKind::kSleep:
            spec.update({{"k", "sleep"}, {"t", step.sleep_ms}});
            break;
          case StepKind::kGc:
            spec.update({{"k", "gc"}});
            break;
          case StepKind::kFrame: {
            std::vector<std::string> inner = path;
            inner.push_back(selector);
            spec.update({{"k", "frame"}, {"p", inner}});
            ops[at].spec = std::move(spec);
            for (const Step& child : step.steps) add(child, inner);
            ops[at].end = ops.size();
            return;
          }
          default:
            break;
        }
        ops[at].spec = std::move(spec);
      };
  for (const Step* step : steps) add(*step, frame_path_);

  // Run them: one request, or one more after each navigation.
  std::vector<OpTime> times;
  times.reserve(ops.size());
  std::optional<BatchFailure> failure;
  int navigations = 0;
  auto now = [&] { return env_.now_ms ? static_cast<double>(env_.now_ms()) : 0.0; };
  while (times.size() < ops.size() && !failure) {
    const std::size_t first = times.size();
    if (env_.stop && env_.stop->load()) {
      failure = BatchFailure{BatchFailure::Kind::kInterrupted, first, "interrupted", now(), 0};
      break;
    }
    json specs = json::array();
    std::int64_t budget_ms = 0;
    for (std::size_t i = first; i < ops.size(); ++i) {
      specs.push_back(ops[i].spec);
      budget_ms += ops[i].spec.value("t", 0);
    }
    env_.driver->allow_async_script(std::chrono::milliseconds(budget_ms) + kBatchMargin);
    const double sent_ms = now();
    const auto sent = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double, std::milli>(Clock::now() - sent).count(); };
    json reply;
    try {
      reply = env_.driver->execute_async(scripted::with_prelude(page_script::k_batch),
                                         json::array({specs}));
    } catch (const WebDriverError& e) {
      failure = BatchFailure{e.session_lost() ? BatchFailure::Kind::kBrowserLost
                                              : BatchFailure::Kind::kStep,
                             first, e.what(), sent_ms, elapsed()};
      break;
    }
    if (!reply.is_object() || !reply.contains("done") || !reply["done"].is_array()) {
      failure = BatchFailure{BatchFailure::Kind::kStep, first,
                             "bad_reply: the page's batch answered " + reply.dump(), sent_ms,
                             elapsed()};
      break;
    }
    for (const json& d : reply["done"]) {
      if (times.size() >= ops.size()) break;
      times.push_back(OpTime{sent_ms + d.at(0).get<double>(), d.at(1).get<double>()});
    }
    const json failed = reply.value("failed", json());
    const json navigated = reply.value("navigated", json());
    if (failed.is_object() && failed.value("problem", "") == "no_eval" && first == 0) {
      // The page's Function() refused a script (batch.js: a Content-Security-Policy, or a
      // script that does not parse): these steps one by one, as before batches, so the scripts
      // go through WebDriver's execute script and fail, if they do, in the same words.
      for (const Step* step : steps) run_one(*step, vars, on_step);
      return;
    }
    if (failed.is_object()) {
      const std::size_t op = first + failed.value("op", std::size_t{0});
      if (op >= ops.size() || op != times.size()) {
        failure = BatchFailure{BatchFailure::Kind::kStep, times.size(),
                               "bad_reply: the page's batch answered " + reply.dump(), sent_ms,
                               elapsed()};
        break;
      }
      const Step& step = *ops[op].step;
      const int timeout = ops[op].spec.value("t", timeout_ms(step));
      failure = BatchFailure{BatchFailure::Kind::kStep, op,
                             failure_message(step, ops[op].spec, timeout, failed),
                             sent_ms + failed.value("at", 0.0), failed.value("waited", 0.0)};
    } else if (navigated.is_object()) {
      // The page began to unload: the op in progress is done if its action ran (a click on a
      // link), else it starts over in the next document.
      if (navigated.value("acted", false) && times.size() < ops.size()) {
        times.push_back(OpTime{sent_ms + navigated.value("at", 0.0), navigated.value("waited", 0.0)});
      }
      if (++navigations > kMaxNavigations && times.size() < ops.size()) {
        failure = BatchFailure{BatchFailure::Kind::kStep, times.size(),
                               fmt::format("the page navigated {} times while the step ran",
                                           navigations),
                               now(), 0};
      }
    } else if (times.size() < ops.size()) {
      failure = BatchFailure{BatchFailure::Kind::kStep, times.size(),
                             "bad_reply: the page's batch stopped early: " + reply.dump(), sent_ms,
                             elapsed()};
    }
  }

  // Report, as run_one does: pre-order indices, a frame after its children.
  std::function<void(std::size_t)> report = [&](std::size_t i) {
    const Step& step = *ops[i].step;
    if (failure && failure->op == i && failure->kind == BatchFailure::Kind::kInterrupted) {
      throw Interrupted();
    }
    StepResult result;
    result.index = index_++;
    result.label = substitute(step.label, vars);
    auto emit = [&](double start, double duration, bool ok, const std::string& error) {
      result.started_ms = static_cast<std::int64_t>(std::llround(start));
      result.duration_ms = duration;
      result.ok = ok;
      result.error = error;
      if (on_step) on_step(result);
    };
    if (failure && failure->op == i) {
      const std::string message =
          fmt::format("{} ({}): {}", step.label, to_string(step.where), failure->message);
      emit(failure->start_ms, failure->duration_ms, false,
           failure->kind == BatchFailure::Kind::kBrowserLost ? failure->message : message);
      if (failure->kind == BatchFailure::Kind::kBrowserLost) throw BrowserLost(failure->message);
      throw StepFailed(message, step.label, step.where);
    }
    const OpTime own = times.at(i);
    if (step.kind != StepKind::kFrame) {
      emit(own.start_ms, own.duration_ms, true, "");
      return;
    }
    try {
      for (std::size_t child = i + 1; child < ops[i].end; child = ops[child].end) report(child);
    } catch (const StepFailed& e) {
      emit(own.start_ms, failure->start_ms + failure->duration_ms - own.start_ms, false, e.what());
      throw;
    } catch (const Interrupted&) {
      emit(own.start_ms, now() - own.start_ms, false, "interrupted");
      throw;
    }
    const OpTime& last = times.at(ops[i].end - 1);
    emit(own.start_ms, last.start_ms + last.duration_ms - own.start_ms, true, "");
  };
  for (std::size_t i = 0; i < ops.size(); i = ops[i].end) report(i);
}

}  // namespace harness
