// The seam between scenario steps and a browser: the operations steps need, in W3C WebDriver
// terms. The real implementation is WebDriverClient (chromedriver, IEDriverServer, a Selenium
// Grid hub); unit tests of the step runner use a fake.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

namespace harness {

// A W3C WebDriver error ("no such element", "stale element reference", "javascript error",
// "invalid session id", ...) or a transport failure of the driver connection.
class WebDriverError : public std::runtime_error {
 public:
  WebDriverError(std::string code, const std::string& message)
      : std::runtime_error(code.empty() ? message : code + ": " + message), code_(std::move(code)) {}
  // The W3C error code; "transport" when the driver could not be reached, "timeout" when it did
  // not answer in time.
  const std::string& code() const { return code_; }
  // The browser or the session is gone (crashed tab, killed browser, dead driver).
  bool session_lost() const;

 private:
  std::string code_;
};

// The W3C web element identifier: the key of an element reference in JSON.
inline constexpr const char* kWebElementKey = "element-6066-11e4-a52e-4f735466cecf";

struct ElementRef {
  std::string id;  // the web element reference
};

class Driver {
 public:
  virtual ~Driver() = default;
  virtual void navigate(const std::string& url) = 0;
  virtual void reload() = 0;
  // nullopt when no element matches (not an error: waits poll on it).
  virtual std::optional<ElementRef> find(const std::string& css_selector) = 0;
  virtual bool displayed(const ElementRef& element) = 0;
  virtual void click(const ElementRef& element) = 0;
  virtual void clear(const ElementRef& element) = 0;
  virtual void send_keys(const ElementRef& element, const std::string& text) = 0;
  virtual void enter_frame(const ElementRef& frame_element) = 0;
  // Switches to the index-th child frame of the current context (window.frames[index]).
  virtual void enter_frame_index(int index) = 0;
  virtual void leave_frame() = 0;  // to the parent browsing context
  virtual void top_frame() = 0;    // to the top-level document
  virtual nlohmann::json execute(const std::string& script, const nlohmann::json& args) = 0;
  // The script gets a callback as its last argument and must call it.
  virtual nlohmann::json execute_async(const std::string& script, const nlohmann::json& args) = 0;
  // Lets the next execute_async calls run for at least `budget` before the driver gives up (a
  // batch of steps waits as long as its steps' timeouts together). Never lowers the limit.
  virtual void allow_async_script(std::chrono::milliseconds budget) { (void)budget; }
  virtual std::string screenshot_png() = 0;  // raw PNG bytes
};

// What a step needs beyond WebDriver: a forced GC in the page (CDP in Chromium,
// CollectGarbage() in IE).
class GarbageCollector {
 public:
  virtual ~GarbageCollector() = default;
  virtual void collect_garbage() = 0;
};

}  // namespace harness
