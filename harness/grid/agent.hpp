// `harness agent`: runs beside a Selenium Grid node and does on the node what Grid cannot: read
// a session's process memory, force its GC, take its page counters and heap snapshots, enforce
// its ceiling and end its processes (issue 13; reference selenium-grid.md §3).
//
// It learns of the node's sessions from the hub's event bus (ZeroMQ SUB on the hub's XPUB
// address: frames [event name, secret, uuid, data JSON]; `session-created` carries the
// capabilities with goog:processID and the node-local DevTools address, `session-closed` the
// reason), keeping only sessions whose nodeUri is its own node; a session it has not heard of
// (an event lost while the bus reconnected) is looked up in the node's own /status. It touches
// only the process trees of those sessions, from the browser PID Grid reported down, and only
// when the controller asks with the shared token. Built without ZeroMQ (the Windows cross
// build), it relies on the node's /status alone.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace harness {

struct AgentOptions {
  std::string node_url;  // this node as the hub knows it: http://127.0.0.1:5555
  std::string bus;       // the hub's XPUB address, tcp://hub:4442; empty: the node's /status only
  std::string listen = "127.0.0.1";
  int port = 4450;
  std::string token;               // required
  std::filesystem::path dir;       // heap snapshots written on the node, per session
  std::chrono::milliseconds session_wait{15'000};  // how long a watch waits to hear of a session
};

class Agent {
 public:
  // Throws EnvironmentError when it cannot listen or subscribe.
  explicit Agent(AgentOptions options);
  ~Agent();  // ends every session it still watches
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  int port() const;
  // Whether the bus subscription is compiled in.
  static bool has_bus();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace harness
