#include "harness/drive/step_runner.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "harness/drive/cdp_client.hpp"
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

// Finds an <option> of a <select> by its visible text; ES5 so it also runs in IE11.
constexpr const char* kFindOptionByText =
    "var s = arguments[0], t = arguments[1];"
    "for (var i = 0; i < s.options.length; i++) {"
    "  var o = s.options[i];"
    "  if ((o.text || '').replace(/^\\s+|\\s+$/g, '') === t) return o;"
    "}"
    "return null;";

// Index of the frame an <iframe> element shows, in window.frames of the current context; -1
// while there is no such element or it has no window yet. ES5.
constexpr const char* kFrameIndexOf =
    "var el = document.querySelector(arguments[0]);"
    "if (!el || !el.contentWindow) return -1;"
    "for (var i = 0; i < window.frames.length; i++) {"
    "  if (window.frames[i] === el.contentWindow) return i;"
    "}"
    "return -1;";

// The state of the first element matching a selector: 0 absent, 1 present but not visible,
// 2 visible (has a layout box and is not visibility:hidden). ES5.
constexpr const char* kElementState =
    "var el = document.querySelector(arguments[0]);"
    "if (!el) return 0;"
    "var box = el.getClientRects && el.getClientRects().length > 0;"
    "var style = window.getComputedStyle ? window.getComputedStyle(el, null) : el.currentStyle;"
    "var hidden = style && (style.visibility === 'hidden' || style.display === 'none');"
    "return box && !hidden ? 2 : 1;";

constexpr const char* kCollectGarbageInPage =
    "if (typeof CollectGarbage === 'function') { CollectGarbage(); return true; }"
    "if (typeof gc === 'function') { gc(); return true; }"
    "return false;";

}  // namespace

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

void StepRunner::execute(const Step& step, const std::map<std::string, std::string>& vars,
                         const std::function<void(const StepResult&)>& on_step) {
  Driver& d = *env_.driver;
  const std::string selector = substitute(step.selector, vars);
  switch (step.kind) {
    case StepKind::kOpen:
      d.navigate(resolve_url(env_.base_url, substitute(step.url, vars)));
      return;
    case StepKind::kReload:
      d.reload();
      return;
    case StepKind::kClick:
      act_with_retry(step, [&] { d.click(wait_for_element(step, selector, false)); });
      return;
    case StepKind::kType: {
      const std::string text = substitute(step.text, vars);
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
          option = d.execute(kFindOptionByText,
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
          done = truthy(d.execute(script, json::array()));
        } else {
          // Asked in the page rather than through WebDriver element references: a reference
          // the driver holds to an <iframe> pins the frame's whole document after the app
          // removes it (measured: +6 documents and ~4 MB per iteration in Chromium 156), so
          // waits hold none.
          const json state = d.execute(kElementState, json::array({selector}));
          const int s = state.is_number() ? state.get<int>() : 0;
          done = step.state == WaitState::kAbsent    ? s == 0
                 : step.state == WaitState::kVisible ? s == 2
                                                     : s >= 1;
        }
        if (done) return;
        if (Clock::now() >= deadline) {
          if (!script.empty()) fail(step, fmt::format("the script did not return true within {} ms",
                                                      timeout_ms(step)));
          const char* state = step.state == WaitState::kAbsent    ? "absent"
                              : step.state == WaitState::kVisible ? "visible"
                                                                  : "present";
          fail(step, fmt::format("'{}' was not {} within {} ms", selector, state, timeout_ms(step)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(kPollIntervalMs));
      }
    }
    case StepKind::kFrame: {
      // Entered by index, not by an element reference, for the reason given at wait_for.
      const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms(step));
      for (;;) {
        check_stop();
        const json index = d.execute(kFrameIndexOf, json::array({selector}));
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
      d.execute(substitute(step.script, vars), json::array());
      return;
    case StepKind::kExecuteAsync:
      d.execute_async(substitute(step.script, vars), json::array());
      return;
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
      else d.execute(kCollectGarbageInPage, json::array());
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
