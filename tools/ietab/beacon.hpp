// The synthetic IE tab's side of page mode's beacon protocol (harness/serve/beacons.hpp,
// pages/harness/page-runner.js): POST a JSON body with Content-Type application/json to the
// beacon URL with WinHTTP and wait for the harness's reply, {"continue":true} or {"stop":true}.
// The harness holds the reply until it has measured, a full-memory dump included, so the wait
// has no limit shorter than kReplyWait.
#pragma once

#include <windows.h>
#include <winhttp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace ietab {

struct BeaconResult {
  enum class Kind {
    kContinue,     // 200 with {"continue":true}
    kStop,         // 200 with {"stop":true}
    kUnreachable,  // no connection, or it broke or timed out before a reply
    kRejected,     // a reply, but not 200 with one of the two bodies (403: not this run's token)
  };
  Kind kind = Kind::kUnreachable;
  std::string detail;  // what went wrong, for the tab's output line
};

class BeaconClient {
 public:
  // The harness answers a held beacon itself after 10 minutes (BeaconChannel::kReplyTimeout)
  // and may hold it that long while it writes a full-memory dump; the tab waits three times as
  // long, so only a harness that is gone or stuck ends the wait.
  static constexpr std::chrono::minutes kReplyWait{30};

  // nullopt with `error` set when `url` is not an http:// or https:// URL WinHTTP can use.
  static std::optional<BeaconClient> open(const std::string& url, std::string* error);

  BeaconResult post(const std::string& json_body);

 private:
  struct Handles;
  std::shared_ptr<Handles> handles_;
};

}  // namespace ietab
