// Runs scenario steps against a Driver. Every step that targets an element shares one envelope
// (as memlab's BaseOperation): wait for the target, act, and retry the action while the page is
// still settling (element not yet interactable, re-rendered), all within the step's timeout.
//
// Scripted input sends consecutive steps the page can run itself as one batch (step_batch.cpp,
// scripts/batch.js): one WebDriver round trip instead of one per step and per poll, waits
// event-driven in the page. `open`, `reload`, `screenshot` and a DevTools `gc` split a batch.
// Results (per-step times, failures with file:line:col) are reported as if run one by one.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/drive/driver.hpp"
#include <nlohmann/json.hpp>
#include "harness/scenario/scenario.hpp"

namespace harness {

// A step did not do what the scenario says (timeout, no such element, script error).
class StepFailed : public std::runtime_error {
 public:
  StepFailed(const std::string& message, std::string label, SourceLocation where)
      : std::runtime_error(message), label_(std::move(label)), where_(std::move(where)) {}
  const std::string& label() const { return label_; }
  const SourceLocation& where() const { return where_; }

 private:
  std::string label_;
  SourceLocation where_;
};

// The browser or its session is gone (renderer crash, browser killed, driver died).
class BrowserLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The user asked to stop (Ctrl-C).
class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};

struct StepResult {
  int index = 0;
  std::string label;
  std::int64_t started_ms = 0;
  double duration_ms = 0;
  bool ok = true;
  std::string error;
};

struct StepEnvironment {
  Driver* driver = nullptr;
  InputMode input = InputMode::kScripted;
  GarbageCollector* gc = nullptr;  // may be null: `gc` then calls CollectGarbage() in the page
  Timeouts timeouts;
  std::string base_url;                  // relative `open` URLs resolve against it
  std::filesystem::path screenshot_dir;  // created on first use
  const std::atomic<bool>* stop = nullptr;
  std::function<std::int64_t()> now_ms;
};

class StepRunner {
 public:
  // How often waits poll the page. 50 ms keeps a WebDriver round trip (5–10 ms, reference
  // chromium-linux.md §5.1) a small share of the wait.
  static constexpr int kPollIntervalMs = 50;

  explicit StepRunner(StepEnvironment env);

  // Runs `steps` with ${name} replaced from `vars`; `on_step` sees every step's result, the
  // failing one included. Throws StepFailed, BrowserLost or Interrupted.
  void run(const std::vector<Step>& steps, const std::map<std::string, std::string>& vars,
           const std::function<void(const StepResult&)>& on_step);

 private:
  // Scripted input: consecutive batchable steps go as one batch, the others one by one.
  void run_sequence(const std::vector<Step>& steps, const std::map<std::string, std::string>& vars,
                    const std::function<void(const StepResult&)>& on_step);
  bool batchable(const Step& step) const;
  void run_batch(const std::vector<const Step*>& steps,
                 const std::map<std::string, std::string>& vars,
                 const std::function<void(const StepResult&)>& on_step);
  void run_one(const Step& step, const std::map<std::string, std::string>& vars,
               const std::function<void(const StepResult&)>& on_step);
  void execute(const Step& step, const std::map<std::string, std::string>& vars,
               const std::function<void(const StepResult&)>& on_step);
  // Native input: W3C element references.
  ElementRef wait_for_element(const Step& step, const std::string& selector, bool visible);
  void act_with_retry(const Step& step, const std::function<void()>& action);
  // Scripted input: runs prelude.js + `body` with the frame path as first argument, until it
  // reports success or the step times out; returns its value.
  nlohmann::json scripted_action(const Step& step, const char* body, nlohmann::json args);
  // A scenario script (wait_for, execute) in the current frame; top level runs it unchanged.
  nlohmann::json run_script(const std::string& script);
  bool in_frame() const { return !frame_path_.empty(); }
  void check_stop() const;
  int timeout_ms(const Step& step) const;
  [[noreturn]] void fail(const Step& step, const std::string& why) const;

  StepEnvironment env_;
  int index_ = 0;
  std::vector<std::string> frame_path_;  // scripted input: selectors of the frames we are in
};

}  // namespace harness
