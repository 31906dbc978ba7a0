#include "harness/drive/step_runner.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "harness/drive/cdp_client.hpp"
#include "harness/drive/page_scripts.hpp"
#include "harness/drive/scripted_input.hpp"
#include "harness/scenario/variants.hpp"

namespace harness {

using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// Errors after which acting again may succeed: the page is still rendering or re-rendered.
bool retryable(const WebDriverError& e) {
  return e.code() == "element not interactable" || e.code() == "element click intercepted" ||
         e.code() == "stale element reference" || e.code() == "no such element" ||
         e.code() == "invalid element state";
}

bool truthy(const json& value) {
  if (value.is_null()) return false;
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number()) return value.get<double>() != 0;
  if (value.is_string()) return !value.get<std::string>().empty();
  return true;
}

}  // namespace

namespace scripted {

const std::string& with_prelude(const char* body) {
  static std::map<const char*, std::string> cache;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  auto it = cache.find(body);
  if (it == cache.end()) {
    it = cache.emplace(body, std::string(page_script::k_prelude) + "\n" + body).first;
  }
  return it->second;
}

std::string describe(const std::string& code, const std::string& detail) {
  if (code == "no_element") return fmt::format("no element matches '{}'", detail);
  if (code == "not_visible") return fmt::format("'{}' is present but not visible", detail);
  if (code == "disabled") return fmt::format("'{}' is disabled or read-only", detail);
  if (code == "no_frame") return fmt::format("no frame matches '{}' (or it has no document yet)",
                                             detail);
  if (code == "no_option") return fmt::format("the list has no option '{}'", detail);
  if (code == "cross_origin") {
    return fmt::format("frame '{}' is cross-origin: scripted input cannot reach into it; use "
                       "`input: native` for this scenario",
                       detail);
  }
  return code + ": " + detail;
}

const char* state_name(WaitState state) {
  return state == WaitState::kAbsent    ? "absent"
         : state == WaitState::kVisible ? "visible"
                                        : "present";
}

}  // namespace scripted

using scripted::describe;
using scripted::with_prelude;

StepRunner::StepRunner(StepEnvironment env) : env_(std::move(env)) {}

void StepRunner::check_stop() const {
  if (env_.stop && env_.stop->load()) throw Interrupted();
}

int StepRunner::timeout_ms(const Step& step) const {
  return step.timeout_ms.value_or(env_.timeouts.step_ms);
}

void StepRunner::fail(const Step& step, const std::string& why) const {
  throw StepFailed(fmt::format("{} ({}): {}", step.label, to_string(step.where), why), step.label,
                   step.where);
}

void StepRunner::run(const std::vector<Step>& steps, const std::map<std::string, std::string>& vars,
                     const std::function<void(const StepResult&)>& on_step) {
  index_ = 0;
  frame_path_.clear();
  if (env_.input == InputMode::kScripted) {
    run_sequence(steps, vars, on_step);
    return;
  }
  for (const Step& step : steps) run_one(step, vars, on_step);
}

void StepRunner::run_one(const Step& step, const std::map<std::string, std::string>& vars,
                         const std::function<void(const StepResult&)>& on_step) {
  check_stop();
  StepResult result;
  result.index = index_++;
  result.label = substitute(step.label, vars);
  result.started_ms = env_.now_ms ? env_.now_ms() : 0;
  const auto started = Clock::now();
  auto finish = [&](bool ok, const std::string& error) {
    result.duration_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    result.ok = ok;
    result.error = error;
    if (on_step) on_step(result);
  };
  try {
    execute(step, vars, on_step);
  } catch (const StepFailed& e) {
    finish(false, e.what());
    throw;
  } catch (const Interrupted&) {
    finish(false, "interrupted");
    throw;
  } catch (const WebDriverError& e) {
    finish(false, e.what());
    if (e.session_lost()) throw BrowserLost(e.what());
    fail(step, e.what());
  } catch (const CdpTargetCrashed& e) {
    finish(false, e.what());
    throw BrowserLost(e.what());
  } catch (const CdpError& e) {
    finish(false, e.what());
    fail(step, e.what());
  }
  // A frame step reports after its children, so its duration covers them.
  finish(true, "");
}

ElementRef StepRunner::wait_for_element(const Step& step, const std::string& selector,
                                        bool visible) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms(step));
  bool found_hidden = false;
  for (;;) {
    check_stop();
    if (auto element = env_.driver->find(selector)) {
      try {
        if (!visible || env_.driver->displayed(*element)) return *element;
        found_hidden = true;
      } catch (const WebDriverError& e) {
        if (e.code() != "stale element reference") throw;
      }
    }
    if (Clock::now() >= deadline) {
      fail(step, found_hidden ? fmt::format("'{}' is present but not visible after {} ms",
                                            selector, timeout_ms(step))
                              : fmt::format("no element matches '{}' after {} ms", selector,
                                            timeout_ms(step)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollIntervalMs));
  }
}

void StepRunner::act_with_retry(const Step& step, const std::function<void()>& action) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms(step));
  for (;;) {
    check_stop();
    try {
      action();
      return;
    } catch (const WebDriverError& e) {
      if (!retryable(e)) throw;
      if (Clock::now() >= deadline) {
        fail(step, fmt::format("still failing after {} ms: {}", timeout_ms(step), e.what()));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollIntervalMs));
  }
}

json StepRunner::scripted_action(const Step& step, const char* body, json args) {
  args.insert(args.begin(), json(frame_path_));
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms(step));
  for (;;) {
    check_stop();
    const json reply = env_.driver->execute(with_prelude(body), args);
    if (reply.is_object() && reply.value("ok", false)) return reply.value("value", json());
    const std::string code = reply.is_object() ? reply.value("problem", "") : "bad_reply";
    const std::string detail = reply.is_object() ? reply.value("detail", "") : reply.dump();
    // Everything but a cross-origin frame may still change while the page settles.
    if (code == "cross_origin" || code == "bad_reply" || Clock::now() >= deadline) {
      fail(step, fmt::format("{} (after {} ms)", describe(code, detail), timeout_ms(step)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollIntervalMs));
  }
}

json StepRunner::run_script(const std::string& script) {
  Driver& d = *env_.driver;
  if (!in_frame()) return d.execute(script, json::array());
  const json reply =
      d.execute(with_prelude(page_script::k_eval), json::array({json(frame_path_), script}));
  if (reply.is_object() && reply.value("ok", false)) return reply.value("value", json());
  throw WebDriverError("no such frame",
                       describe(reply.is_object() ? reply.value("problem", "") : "bad_reply",
                                reply.is_object() ? reply.value("detail", "") : reply.dump()));
}

void StepRunner::execute(const Step& step, const std::map<std::string, std::string>& vars,
                         const std::function<void(const StepResult&)>& on_step) {
  Driver& d = *env_.driver;
  const bool scripted = env_.input == InputMode::kScripted;
  const std::string selector = substitute(step.selector, vars);
  switch (step.kind) {
    case StepKind::kOpen:
      d.navigate(resolve_url(env_.base_url, substitute(step.url, vars)));
      return;
    case StepKind::kReload:
      d.reload();
      return;
    case StepKind::kClick:
      if (scripted) {
        scripted_action(step, page_script::k_click, json::array({selector}));
      } else {
        act_with_retry(step, [&] { d.click(wait_for_element(step, selector, false)); });
      }
      return;
    case StepKind::kType: {
      const std::string text = substitute(step.text, vars);
      if (scripted) {
        scripted_action(step, page_script::k_type, json::array({selector, text, step.clear}));
        return;
      }
      act_with_retry(step, [&] {
        ElementRef field = wait_for_element(step, selector, false);
        if (step.clear) d.clear(field);
        d.send_keys(field, text);
      });
      return;
    }
    case StepKind::kSelect: {
      const std::string value = substitute(step.value, vars);
      const std::string text = substitute(step.text, vars);
      if (scripted) {
        scripted_action(step, page_script::k_select, json::array({selector, value, text}));
        return;
      }
      act_with_retry(step, [&] {
        ElementRef select = wait_for_element(step, selector, false);
        json option;
        if (!value.empty()) {
          // Option values are quoted for CSS: a backslash or quote inside is escaped.
          std::string escaped;
          for (char c : value) {
            if (c == '"' || c == '\\') escaped += '\\';
            escaped += c;
          }
          option = d.execute("return arguments[0].querySelector(arguments[1]);",
                             json::array({{{kWebElementKey, select.id}},
                                          fmt::format("option[value=\"{}\"]", escaped)}));
        } else {
          option = d.execute(page_script::k_option_by_text,
                             json::array({{{kWebElementKey, select.id}}, text}));
        }
        if (!option.is_object() || !option.contains(kWebElementKey)) {
          fail(step, value.empty() ? fmt::format("'{}' has no option with text '{}'", selector, text)
                                   : fmt::format("'{}' has no option with value '{}'", selector,
                                                 value));
        }
        d.click(ElementRef{option[kWebElementKey].get<std::string>()});
      });
      return;
    }
    case StepKind::kWaitFor: {
      const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms(step));
      const std::string script = substitute(step.script, vars);
      for (;;) {
        check_stop();
        bool done = false;
        if (!script.empty()) {
          done = truthy(run_script(script));
        } else {
          // Asked in the page in both input modes: a WebDriver reference to an element (an
          // <iframe> above all) pins it and its document after the app removes it, so waits
          // hold none.
          const json reply = d.execute(with_prelude(page_script::k_state),
                                       json::array({json(frame_path_), selector}));
          if (!reply.is_object() || !reply.value("ok", false)) {
            const std::string code = reply.is_object() ? reply.value("problem", "") : "bad_reply";
            if (code == "cross_origin") fail(step, describe(code, reply.value("detail", "")));
          }
          const int s = reply.is_object() && reply.value("ok", false) ? reply.value("value", 0) : 0;
          done = step.state == WaitState::kAbsent    ? s == 0
                 : step.state == WaitState::kVisible ? s == 2
                                                     : s >= 1;
        }
        if (done) return;
        if (Clock::now() >= deadline) {
          if (!script.empty()) fail(step, fmt::format("the script did not return true within {} ms",
                                                      timeout_ms(step)));
          fail(step, fmt::format("'{}' was not {} within {} ms", selector,
                                 scripted::state_name(step.state), timeout_ms(step)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(kPollIntervalMs));
      }
    }
    case StepKind::kFrame: {
      if (scripted) {
        // Wait until the frame and its document exist, then address it by its path.
        std::vector<std::string> inner = frame_path_;
        inner.push_back(selector);
        const auto saved = frame_path_;
        frame_path_ = inner;
        try {
          scripted_action(step, page_script::k_state, json::array({"html"}));
          run_sequence(step.steps, vars, on_step);
        } catch (...) {
          frame_path_ = saved;
          throw;
        }
        frame_path_ = saved;
        return;
      }
      // Native: entered by index, not by an element reference, for the reason given at wait_for.
      const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms(step));
      for (;;) {
        check_stop();
        const json index = d.execute(page_script::k_frame_index, json::array({selector}));
        if (index.is_number() && index.get<int>() >= 0) {
          d.enter_frame_index(index.get<int>());
          break;
        }
        if (Clock::now() >= deadline) {
          fail(step, fmt::format("no frame matches '{}' after {} ms", selector, timeout_ms(step)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(kPollIntervalMs));
      }
      for (const Step& child : step.steps) run_one(child, vars, on_step);
      d.leave_frame();
      return;
    }
    case StepKind::kExecute:
      run_script(substitute(step.script, vars));
      return;
    case StepKind::kExecuteAsync: {
      const std::string script = substitute(step.script, vars);
      if (!in_frame()) {
        d.execute_async(script, json::array());
        return;
      }
      const json reply = d.execute_async(with_prelude(page_script::k_eval_async),
                                         json::array({json(frame_path_), script}));
      if (!reply.is_object() || !reply.value("ok", false)) {
        fail(step, describe(reply.is_object() ? reply.value("problem", "") : "bad_reply",
                            reply.is_object() ? reply.value("detail", "") : reply.dump()));
      }
      return;
    }
    case StepKind::kSleep: {
      const auto until = Clock::now() + std::chrono::milliseconds(step.sleep_ms);
      while (Clock::now() < until) {
        check_stop();
        std::this_thread::sleep_until(
            std::min(until, Clock::now() + std::chrono::milliseconds(kPollIntervalMs)));
      }
      return;
    }
    case StepKind::kGc:
      if (env_.gc) env_.gc->collect_garbage();
      else d.execute(page_script::k_collect_garbage, json::array());
      return;
    case StepKind::kScreenshot: {
      std::string name = substitute(step.file_name, vars);
      if (name.empty()) {
        auto it = vars.find("iteration");
        name = fmt::format("iteration-{}-step-{}.png", it == vars.end() ? "0" : it->second,
                           index_ - 1);
      }
      if (name.size() < 4 || name.substr(name.size() - 4) != ".png") name += ".png";
      std::filesystem::create_directories(env_.screenshot_dir);
      const std::string png = d.screenshot_png();
      std::ofstream out(env_.screenshot_dir / name, std::ios::binary | std::ios::trunc);
      out.write(png.data(), static_cast<std::streamsize>(png.size()));
      if (!out) fail(step, fmt::format("cannot write {}", (env_.screenshot_dir / name).string()));
      return;
    }
  }
}

}  // namespace harness
