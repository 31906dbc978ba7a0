#include "harness/drive/webdriver_client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/archive/iterators/binary_from_base64.hpp>
#include <boost/archive/iterators/dataflow_exception.hpp>
#include <boost/archive/iterators/transform_width.hpp>

namespace harness {

using nlohmann::json;

bool WebDriverError::session_lost() const {
  if (code_ == "invalid session id" || code_ == "no such window" || code_ == "transport") {
    return true;
  }
  const std::string text = what();
  // chromedriver reports a crashed renderer as "unknown error: session deleted as the browser
  // has closed the connection" or "tab crashed".
  return text.find("tab crashed") != std::string::npos ||
         text.find("session deleted") != std::string::npos ||
         text.find("not connected to DevTools") != std::string::npos ||
         text.find("disconnected") != std::string::npos;
}

WebDriverClient::WebDriverClient(std::string host, int port) : http_(std::move(host), port) {}

std::chrono::milliseconds WebDriverClient::default_timeout() const {
  // Longest operation the driver may legitimately take, plus slack for its own overhead.
  return std::max(timeouts_.page_load, timeouts_.script) + std::chrono::milliseconds(15'000);
}

json WebDriverClient::command(const std::string& method, const std::string& path,
                              const json& body, std::chrono::milliseconds timeout) {
  std::string target = path;
  if (path.empty() || path[0] != '/') {
    if (session_id_.empty()) throw WebDriverError("invalid session id", "no session");
    target = "/session/" + session_id_ + (path.empty() ? "" : "/" + path);
  }
  HttpResponse response;
  try {
    response = http_.request(method, target, body.is_null() ? std::string() : body.dump(), timeout);
  } catch (const HttpError& e) {
    throw WebDriverError(e.timed_out() ? "timeout" : "transport", e.what());
  }
  json parsed;
  try {
    parsed = json::parse(response.body);
  } catch (const json::exception&) {
    throw WebDriverError("unknown error", fmt::format("{} {}: HTTP {} with a non-JSON body: {}",
                                                      method, target, response.status,
                                                      response.body.substr(0, 200)));
  }
  json value = parsed.contains("value") ? parsed["value"] : json();
  // W3C errors always come with a 4xx/5xx status; a 200 reply whose value merely has an "error"
  // key is a script's own result.
  if (response.status >= 400) {
    const std::string code = value.is_object() ? value.value("error", "unknown error")
                                               : "unknown error";
    std::string message = value.is_object() ? value.value("message", "") : response.body;
    // chromedriver appends a long native stack trace to some messages; the first line says it.
    if (auto nl = message.find("\n  (Session info"); nl != std::string::npos) message.erase(nl);
    throw WebDriverError(code, message);
  }
  return value;
}

json WebDriverClient::new_session(const json& always_match, std::chrono::milliseconds timeout) {
  json body = {{"capabilities", {{"alwaysMatch", always_match}}}};
  json value = command("POST", "/session", body, timeout);
  session_id_ = value.value("sessionId", "");
  if (session_id_.empty()) {
    throw WebDriverError("session not created", "the driver returned no sessionId");
  }
  return value.value("capabilities", json::object());
}

void WebDriverClient::delete_session(std::chrono::milliseconds timeout) {
  if (session_id_.empty()) return;
  try {
    command("DELETE", "", json(), timeout);
  } catch (const WebDriverError&) {
  }
  session_id_.clear();
}

bool WebDriverClient::ready(std::chrono::milliseconds timeout) {
  try {
    json value = command("GET", "/status", json(), timeout);
    return value.value("ready", false);
  } catch (const WebDriverError&) {
    return false;
  }
}

void WebDriverClient::set_timeouts(const WebDriverTimeouts& timeouts) {
  timeouts_ = timeouts;
  command("POST", "timeouts",
          {{"pageLoad", timeouts.page_load.count()},
           {"script", timeouts.script.count()},
           {"implicit", timeouts.implicit.count()}},
          std::chrono::milliseconds(10'000));
}

void WebDriverClient::allow_async_script(std::chrono::milliseconds budget) {
  if (budget <= timeouts_.script) return;  // one extra request the first time, none after
  WebDriverTimeouts raised = timeouts_;
  raised.script = budget;
  set_timeouts(raised);
}

std::string WebDriverClient::window_handle() {
  return command("GET", "window", json(), std::chrono::milliseconds(10'000)).get<std::string>();
}

void WebDriverClient::navigate(const std::string& url) {
  command("POST", "url", {{"url", url}}, default_timeout());
}

void WebDriverClient::reload() { command("POST", "refresh", json::object(), default_timeout()); }

std::optional<ElementRef> WebDriverClient::find(const std::string& css_selector) {
  try {
    json value = command("POST", "element", {{"using", "css selector"}, {"value", css_selector}},
                         default_timeout());
    return ElementRef{value.at(kWebElementKey).get<std::string>()};
  } catch (const WebDriverError& e) {
    if (e.code() == "no such element") return std::nullopt;
    throw;
  }
}

bool WebDriverClient::displayed(const ElementRef& element) {
  return command("GET", "element/" + element.id + "/displayed", json(), default_timeout())
      .get<bool>();
}

void WebDriverClient::click(const ElementRef& element) {
  command("POST", "element/" + element.id + "/click", json::object(), default_timeout());
}

void WebDriverClient::clear(const ElementRef& element) {
  command("POST", "element/" + element.id + "/clear", json::object(), default_timeout());
}

void WebDriverClient::send_keys(const ElementRef& element, const std::string& text) {
  command("POST", "element/" + element.id + "/value", {{"text", text}}, default_timeout());
}

void WebDriverClient::enter_frame(const ElementRef& frame_element) {
  command("POST", "frame", {{"id", {{kWebElementKey, frame_element.id}}}}, default_timeout());
}

void WebDriverClient::enter_frame_index(int index) {
  command("POST", "frame", {{"id", index}}, default_timeout());
}

void WebDriverClient::leave_frame() {
  command("POST", "frame/parent", json::object(), default_timeout());
}

void WebDriverClient::top_frame() { command("POST", "frame", {{"id", nullptr}}, default_timeout()); }

json WebDriverClient::execute(const std::string& script, const json& args) {
  return command("POST", "execute/sync",
                 {{"script", script}, {"args", args.is_null() ? json::array() : args}},
                 default_timeout());
}

json WebDriverClient::execute_async(const std::string& script, const json& args) {
  return command("POST", "execute/async",
                 {{"script", script}, {"args", args.is_null() ? json::array() : args}},
                 default_timeout());
}

std::string WebDriverClient::screenshot_png() {
  const std::string encoded =
      command("GET", "screenshot", json(), default_timeout()).get<std::string>();
  try {
    return decode_base64(encoded);
  } catch (const boost::archive::iterators::dataflow_exception& e) {
    throw WebDriverError("unknown error",
                         fmt::format("the screenshot is not base64 ({})", e.what()));
  }
}

std::string decode_base64(std::string_view encoded) {
  namespace it = boost::archive::iterators;
  // Boost.Archive's iterators (header-only) take 6-bit groups to bytes; they know no padding, so
  // '=' is read as 'A' (zero bits) and the bytes it stands for are dropped afterwards.
  using Decoder = it::transform_width<it::binary_from_base64<std::string::const_iterator>, 8, 6>;
  std::string text(encoded);
  const auto data_end = text.find_last_not_of('=') + 1;  // npos + 1 == 0: all padding or empty
  const std::size_t padding = text.size() - data_end;
  std::replace(text.begin() + static_cast<std::ptrdiff_t>(data_end), text.end(), '=', 'A');
  std::string out(Decoder(text.cbegin()), Decoder(text.cend()));
  out.resize(out.size() - std::min(out.size(), padding));
  return out;
}

}  // namespace harness
