// Page mode's channel between the page and the runner. The page posts a beacon after set-up and
// after every iteration (pages/harness/page-runner.js) to POST /__harness/beacon; the server
// thread holds that request until the runner replies — after a checkpoint when one is due — so
// the page is idle while it is measured. One beacon is outstanding at a time.
//
// Each run's channel has a random token (open() makes a new one): the beacon URL the page is
// given carries it (beacon_url()), and a beacon without it gets 403, so no other page — nor a
// page left over from an earlier run — can drive the run's checkpoints.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "harness/serve/page_server.hpp"

namespace harness {

inline constexpr const char* kBeaconPath = "/__harness/beacon";

struct Beacon {
  std::string phase;  // "ready" (set-up done) or "iteration"
  int iteration = 0;  // the iteration just completed (negative: warm-up)
  bool ok = true;
  std::string error;
  double page_ms = 0;  // the iteration's duration as the page measured it
};

// Parses a beacon's JSON body; nullopt when it is not one.
std::optional<Beacon> parse_beacon(const std::string& body);

class BeaconChannel {
 public:
  // How long a held beacon waits for the runner's reply before the page is told to stop.
  static constexpr std::chrono::minutes kReplyTimeout{10};

  // The route handler (server thread): queues the beacon and waits for the runner's reply.
  ServerReply handle(const ServerRequest& request);

  // The runner: the next beacon, or nullopt after `timeout`.
  std::optional<Beacon> wait(std::chrono::milliseconds timeout);
  // Releases the held beacon: the page goes on, or stops.
  void reply(bool go_on);
  // Stops every held and future beacon (end of the run).
  void close();
  // Ready for a new run: forgets old beacons, makes a new token, accepts new ones.
  void open();
  // The URL the page posts its beacons to: `base_url`'s beacon path with the current token.
  std::string beacon_url(const std::string& base_url);
  std::string token();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Beacon> received_;
  std::uint64_t held_ = 0;      // beacons waiting for a reply
  std::uint64_t released_ = 0;  // replies given
  bool go_on_ = true;
  bool closed_ = true;
  std::string token_;
};

}  // namespace harness
