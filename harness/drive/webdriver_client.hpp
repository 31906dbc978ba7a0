// W3C WebDriver client (https://www.w3.org/TR/webdriver2/) over HTTP. One client serves
// chromedriver, IEDriverServer and a Selenium Grid hub.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "harness/drive/driver.hpp"
#include "harness/drive/http_client.hpp"

namespace harness {

struct WebDriverTimeouts {
  std::chrono::milliseconds page_load{30'000};
  std::chrono::milliseconds script{30'000};
  std::chrono::milliseconds implicit{0};  // waits are the harness's own polling
};

class WebDriverClient final : public Driver {
 public:
  WebDriverClient(std::string host, int port);

  // POST /session with {"capabilities": {"alwaysMatch": ...}}; returns the returned
  // capabilities. Throws WebDriverError.
  nlohmann::json new_session(const nlohmann::json& always_match,
                             std::chrono::milliseconds timeout);
  // DELETE /session/{id}; errors are swallowed (the browser may already be gone).
  void delete_session(std::chrono::milliseconds timeout);
  const std::string& session_id() const { return session_id_; }

  void set_timeouts(const WebDriverTimeouts& timeouts);
  void allow_async_script(std::chrono::milliseconds budget) override;
  std::string window_handle();
  // GET /status (no session needed): true when the driver answers ready.
  bool ready(std::chrono::milliseconds timeout);

  void navigate(const std::string& url) override;
  void reload() override;
  std::optional<ElementRef> find(const std::string& css_selector) override;
  bool displayed(const ElementRef& element) override;
  void click(const ElementRef& element) override;
  void clear(const ElementRef& element) override;
  void send_keys(const ElementRef& element, const std::string& text) override;
  void enter_frame(const ElementRef& frame_element) override;
  void enter_frame_index(int index) override;
  void leave_frame() override;
  void top_frame() override;
  nlohmann::json execute(const std::string& script, const nlohmann::json& args) override;
  nlohmann::json execute_async(const std::string& script, const nlohmann::json& args) override;
  std::string screenshot_png() override;

  // The raw command: method, path under /session/{id} (or absolute when it starts with "/"),
  // body. Returns the "value" member. Throws WebDriverError.
  nlohmann::json command(const std::string& method, const std::string& path,
                         const nlohmann::json& body, std::chrono::milliseconds timeout);

 private:
  std::chrono::milliseconds default_timeout() const;

  HttpClient http_;
  std::string session_id_;
  WebDriverTimeouts timeouts_;
};

// Standard base64 (RFC 4648 §4, with padding) to bytes, as WebDriver returns screenshots. Throws
// boost::archive::iterators::dataflow_exception on a character outside the alphabet.
std::string decode_base64(std::string_view encoded);

}  // namespace harness
