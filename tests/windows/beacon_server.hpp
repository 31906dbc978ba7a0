// A loopback HTTP server for the page-mode tests of the synthetic IE: it plays the harness's
// beacon endpoint (harness/serve/beacons.hpp) and holds every request until the test replies,
// as the harness holds a beacon until it has measured. One request at a time, one per
// connection (Connection: close).
//
// Winsock directly: the harness's own PageServer needs Boost.Beast and Boost.URL and its
// BeaconChannel harness/scenario/variants.cpp, which needs yaml-cpp; Debian has no mingw builds
// of those libraries (windows/CMakeLists.txt), so neither links into the Windows tests.
#pragma once

#include <winsock2.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace harness::testing {

struct ReceivedRequest {
  std::string method;        // "POST"
  std::string target;        // "/__harness/beacon?token=..."
  std::string content_type;  // the Content-Type header's value
  std::string body;
};

class BeaconServer {
 public:
  // Listens on 127.0.0.1 at a port Windows picks.
  BeaconServer();
  ~BeaconServer();
  BeaconServer(const BeaconServer&) = delete;
  BeaconServer& operator=(const BeaconServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>/__harness/beacon?token=<token>", the harness's beacon URL form.
  std::string beacon_url(const std::string& token) const;

  // The next request, held until reply(); nullopt when none came within `timeout`.
  std::optional<ReceivedRequest> wait(std::chrono::milliseconds timeout);
  // Answers the held request with `status` and a JSON body, and closes its connection.
  void reply(int status, const std::string& json_body);

  static constexpr const char* kContinue = R"({"continue":true})";
  static constexpr const char* kStop = R"({"stop":true})";

 private:
  void serve();
  void answer(SOCKET s);

  int port_ = 0;  // before listener_: the constructor sets it while opening the listener
  SOCKET listener_ = INVALID_SOCKET;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<ReceivedRequest> received_;
  std::optional<std::pair<int, std::string>> reply_;
  bool stopping_ = false;
  std::thread thread_;
};

// A loopback port nothing listens on (bound and released at once).
int unused_loopback_port();

// The harness's query_encode: every byte but RFC 3986's unreserved characters percent-encoded.
std::string query_encode(const std::string& text);

}  // namespace harness::testing
