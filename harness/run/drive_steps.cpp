// Driver mode: the scenario's steps through WebDriver (drive/step_runner.hpp), iteration by
// iteration, with checkpoints and the reload/restart mitigations.
#include <fmt/format.h>

#include "harness/run/execution.hpp"

namespace harness {

void RunExecution::drive_steps() {
  RunInfo& info = summary_.info;
  observer_.phase(plan_, info, "set-up");
  iteration_ = 0;
  open_and_set_up("setup");
  for (int w = plan_.warmup; w >= 1; --w) {
    observer_.phase(plan_, info, fmt::format("warm-up {}/{}", plan_.warmup - w + 1, plan_.warmup));
    run_iteration(-w);
  }
  checkpoint(0);
  for (int i = 1; i <= plan_.iterations; ++i) {
    run_iteration(i);
    iteration_done(i);
    if (checkpoint_due(i)) {
      checkpoint(i);
      recorder_->update_run(info);
      // Adaptive length: stop as soon as the curves say something definite.
      if (decided()) break;
    }
    if (i < plan_.iterations) mitigate(i);
  }
}

StepRunner RunExecution::make_runner() {
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

void RunExecution::run_phase(StepRunner& runner, const std::string& phase,
                             const std::vector<Step>& steps, int iteration) {
  std::map<std::string, std::string> vars = plan_.variant.as_map();
  vars["iteration"] = std::to_string(iteration);
  runner.run(steps, vars, [&](const StepResult& r) {
    recorder_->add_step(StepRecord{iteration_.load(), r.index, phase, r.label, r.started_ms,
                                   r.duration_ms, r.ok, r.error});
  });
}

// Open the start page and run the set-up steps (at the start, after a reload or restart).
void RunExecution::open_and_set_up(const std::string& phase) {
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

void RunExecution::run_iteration(int n) {
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
void RunExecution::mitigate(int i) {
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
    event("reloaded", fmt::format("top-level navigation after iteration {} (reload_every {})", i,
                                  plan_.reload_every));
  }
}

}  // namespace harness
