// The client against a scripted HTTP peer on loopback: request shapes and W3C error mapping.
// (The real chromedriver is exercised by the integration tests.)
#include "harness/drive/webdriver_client.hpp"

#include <gtest/gtest.h>

#include <mutex>

#include "harness/serve/page_server.hpp"

namespace harness {
namespace {

using nlohmann::json;

class FakeWebDriverServer {
 public:
  FakeWebDriverServer() : server_(std::filesystem::temp_directory_path()) {}
  void on(const std::string& path, int status, json reply) {
    server_.add_route(path, [this, status, reply](const ServerRequest& r) {
      std::lock_guard lock(mutex_);
      requests_.push_back(r.method + " " + r.path + " " + r.body);
      return ServerReply{status, "application/json", reply.dump()};
    });
  }
  int port() const { return server_.port(); }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  PageServer server_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
};

TEST(WebDriverClient, SessionAndCommandsUseW3CPaths) {
  FakeWebDriverServer fake;
  fake.on("/session", 200,
          {{"value", {{"sessionId", "S1"}, {"capabilities", {{"browserVersion", "156"}}}}}});
  fake.on("/session/S1/url", 200, {{"value", nullptr}});
  fake.on("/session/S1/element", 200,
          {{"value", {{kWebElementKey, "E7"}}}});
  fake.on("/session/S1/element/E7/click", 200, {{"value", nullptr}});
  fake.on("/session/S1/frame", 200, {{"value", nullptr}});
  fake.on("/session/S1/execute/sync", 200, {{"value", 42}});

  WebDriverClient client("127.0.0.1", fake.port());
  json caps = client.new_session({{"browserName", "chrome"}}, std::chrono::seconds(5));
  EXPECT_EQ(caps["browserVersion"], "156");
  EXPECT_EQ(client.session_id(), "S1");
  client.navigate("http://127.0.0.1:1/a.html");
  auto element = client.find("#approve");
  ASSERT_TRUE(element);
  EXPECT_EQ(element->id, "E7");
  client.click(*element);
  client.enter_frame(*element);
  client.top_frame();
  EXPECT_EQ(client.execute("return 42;", json::array()), 42);

  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 7u);
  EXPECT_EQ(requests[0],
            R"(POST /session {"capabilities":{"alwaysMatch":{"browserName":"chrome"}}})");
  EXPECT_EQ(requests[1], R"(POST /session/S1/url {"url":"http://127.0.0.1:1/a.html"})");
  EXPECT_EQ(requests[2], R"(POST /session/S1/element {"using":"css selector","value":"#approve"})");
  EXPECT_EQ(requests[3], "POST /session/S1/element/E7/click {}");
  EXPECT_EQ(requests[4], std::string("POST /session/S1/frame {\"id\":{\"") + kWebElementKey +
                             "\":\"E7\"}}");
  EXPECT_EQ(requests[5], R"(POST /session/S1/frame {"id":null})");
  EXPECT_EQ(requests[6], R"(POST /session/S1/execute/sync {"args":[],"script":"return 42;"})");
}

TEST(WebDriverClient, NoSuchElementIsNotFoundOtherErrorsThrow) {
  FakeWebDriverServer fake;
  fake.on("/session", 200, {{"value", {{"sessionId", "S"}, {"capabilities", json::object()}}}});
  fake.on("/session/S/element", 404,
          {{"value", {{"error", "no such element"}, {"message", "Unable to locate element"}}}});
  fake.on("/session/S/execute/sync", 500,
          {{"value", {{"error", "javascript error"}, {"message", "x is not defined"}}}});
  fake.on("/session/S/url", 500,
          {{"value", {{"error", "unknown error"}, {"message", "session deleted as the browser has "
                                                               "closed the connection"}}}});
  WebDriverClient client("127.0.0.1", fake.port());
  client.new_session(json::object(), std::chrono::seconds(5));
  EXPECT_FALSE(client.find("#missing"));
  try {
    client.execute("x", json::array());
    FAIL() << "expected a WebDriverError";
  } catch (const WebDriverError& e) {
    EXPECT_EQ(e.code(), "javascript error");
    EXPECT_FALSE(e.session_lost());
    EXPECT_NE(std::string(e.what()).find("x is not defined"), std::string::npos);
  }
  try {
    client.navigate("http://x/");
    FAIL() << "expected a WebDriverError";
  } catch (const WebDriverError& e) {
    EXPECT_TRUE(e.session_lost());
  }
}

TEST(WebDriverClient, AScriptResultWithAnErrorKeyIsJustAResult) {
  // W3C errors come with a 4xx/5xx status; a script may return {error: ...} as its own value.
  FakeWebDriverServer fake;
  fake.on("/session", 200, {{"value", {{"sessionId", "S"}, {"capabilities", json::object()}}}});
  fake.on("/session/S/execute/sync", 200, {{"value", {{"ok", false}, {"error", "no_element"}}}});
  WebDriverClient client("127.0.0.1", fake.port());
  client.new_session(json::object(), std::chrono::seconds(5));
  const json value = client.execute("return {ok: false, error: 'no_element'};", json::array());
  EXPECT_EQ(value["error"], "no_element");
}

TEST(WebDriverClient, ScreenshotIsDecodedFromBase64) {
  FakeWebDriverServer fake;
  fake.on("/session", 200, {{"value", {{"sessionId", "S"}, {"capabilities", json::object()}}}});
  // The PNG signature and one more byte: 9 bytes, no padding.
  fake.on("/session/S/screenshot", 200, {{"value", "iVBORw0KGgoA"}});
  WebDriverClient client("127.0.0.1", fake.port());
  client.new_session(json::object(), std::chrono::seconds(5));
  EXPECT_EQ(client.screenshot_png(), std::string("\x89PNG\r\n\x1a\n\0", 9));

  FakeWebDriverServer broken;
  broken.on("/session", 200, {{"value", {{"sessionId", "S"}, {"capabilities", json::object()}}}});
  broken.on("/session/S/screenshot", 200, {{"value", "not*base64"}});
  WebDriverClient other("127.0.0.1", broken.port());
  other.new_session(json::object(), std::chrono::seconds(5));
  EXPECT_THROW(other.screenshot_png(), WebDriverError);
}

TEST(DecodeBase64, Rfc4648TestVectors) {
  // RFC 4648 §10: every padding length.
  EXPECT_EQ(decode_base64(""), "");
  EXPECT_EQ(decode_base64("Zg=="), "f");
  EXPECT_EQ(decode_base64("Zm8="), "fo");
  EXPECT_EQ(decode_base64("Zm9v"), "foo");
  EXPECT_EQ(decode_base64("Zm9vYg=="), "foob");
  EXPECT_EQ(decode_base64("Zm9vYmE="), "fooba");
  EXPECT_EQ(decode_base64("Zm9vYmFy"), "foobar");
  // Every byte value survives (the alphabet's '+' and '/' included).
  EXPECT_EQ(decode_base64("AP+A/w=="), std::string("\x00\xff\x80\xff", 4));
}

TEST(WebDriverClient, UnreachableDriverIsATransportError) {
  WebDriverClient client("127.0.0.1", 1);  // nothing listens on port 1
  try {
    client.new_session(json::object(), std::chrono::seconds(2));
    FAIL() << "expected a WebDriverError";
  } catch (const WebDriverError& e) {
    EXPECT_EQ(e.code(), "transport");
    EXPECT_TRUE(e.session_lost());
  }
}

}  // namespace
}  // namespace harness
