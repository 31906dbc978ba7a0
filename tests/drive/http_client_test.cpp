// The client against the real page server on loopback: a reply that does not come in time is an
// HttpError that says it timed out, and the client keeps working afterwards.
#include "harness/drive/http_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "harness/serve/page_server.hpp"

namespace harness {
namespace {

using namespace std::chrono_literals;

TEST(HttpClient, AReplyLaterThanTheDeadlineTimesOut) {
  PageServer server(std::filesystem::temp_directory_path());
  server.add_route("/slow", [](const ServerRequest&) {
    std::this_thread::sleep_for(1500ms);
    return ServerReply{200, "text/plain", "late"};
  });
  server.add_route("/fast", [](const ServerRequest& r) {
    return ServerReply{200, "text/plain", r.method + " " + r.body};
  });
  HttpClient http("127.0.0.1", server.port());
  EXPECT_EQ(http.request("GET", "/fast", "", 5s).body, "GET ");

  const auto start = std::chrono::steady_clock::now();
  try {
    http.request("GET", "/slow", "", 200ms);
    FAIL() << "expected an HttpError";
  } catch (const HttpError& e) {
    EXPECT_TRUE(e.timed_out()) << e.what();
    EXPECT_NE(std::string(e.what()).find("timed out after 200 ms"), std::string::npos);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1200ms);

  // A new connection for the next request.
  const HttpResponse after = http.request("POST", "/fast", "{}", 5s);
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, "POST {}");
}

TEST(HttpClient, SequentialRequestsShareTheClient) {
  PageServer server(std::filesystem::temp_directory_path());
  std::atomic<int> calls{0};
  server.add_route("/n", [&](const ServerRequest&) {
    return ServerReply{200, "text/plain", std::to_string(++calls)};
  });
  HttpClient http("127.0.0.1", server.port());
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(http.request("GET", "/n", "", 5s).body, std::to_string(i));
}

TEST(HttpClient, NothingListeningIsAnErrorButNotATimeout) {
  HttpClient http("127.0.0.1", 1);  // nothing listens on port 1
  try {
    http.request("GET", "/", "", 2s);
    FAIL() << "expected an HttpError";
  } catch (const HttpError& e) {
    EXPECT_FALSE(e.timed_out());
    EXPECT_NE(std::string(e.what()).find("cannot connect to 127.0.0.1:1"), std::string::npos);
  }
}

}  // namespace
}  // namespace harness
