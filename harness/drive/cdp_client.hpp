// Chrome DevTools Protocol client: one browser-level websocket, flattened target sessions
// (Target.attachToTarget {flatten: true}), a reader thread that matches replies to requests and
// hands events to a listener.
//
// A request pending on a renderer that crashes never gets a reply (reference chromium-linux.md
// §7), so every request races the crash/detach events of its session and its own deadline:
// Inspector.targetCrashed, Target.targetCrashed and Target.detachedFromTarget fail the pending
// requests of that session at once with CdpTargetCrashed.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace harness {

class CdpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class CdpTimeout : public CdpError {
 public:
  using CdpError::CdpError;
};
class CdpTargetCrashed : public CdpError {
 public:
  using CdpError::CdpError;
};

struct CdpEvent {
  std::string method;
  std::string session_id;  // empty for browser-level events
  nlohmann::json params;
};

class CdpClient {
 public:
  // Connects to "ws://host:port/devtools/browser/<id>". Throws CdpError.
  static std::unique_ptr<CdpClient> connect(const std::string& websocket_url,
                                            std::chrono::milliseconds timeout);
  // Asks http://host:port/json/version for the browser's websocket URL, then connects.
  static std::unique_ptr<CdpClient> connect_to_debugger_address(const std::string& host_port,
                                                                std::chrono::milliseconds timeout);
  virtual ~CdpClient() = default;

  // Sends a command and waits for its result. Throws CdpError (protocol error reply),
  // CdpTimeout, or CdpTargetCrashed.
  virtual nlohmann::json call(const std::string& method, const nlohmann::json& params = {},
                              const std::string& session_id = {},
                              std::chrono::milliseconds timeout = std::chrono::seconds(10)) = 0;

  // Called on the reader thread for every event; keep it short. One listener; replaces any.
  virtual void set_event_listener(std::function<void(const CdpEvent&)> listener) = 0;

  // Target.attachToTarget with flatten; returns the session id. Requests on that session fail
  // fast once its target crashes.
  virtual std::string attach(const std::string& target_id, std::chrono::milliseconds timeout) = 0;

  virtual bool connected() const = 0;
};

}  // namespace harness
