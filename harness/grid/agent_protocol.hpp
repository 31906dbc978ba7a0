// The wire between the controller (`harness matrix --grid`) and `harness agent` on a Grid node:
// HTTP/1.1 with JSON bodies, every request carrying "Authorization: Bearer <token>" (the shared
// --token-file); anything else gets 401 and does nothing. docs/grid.md lists the routes:
//
//   GET  /status                           the agent, its node and the sessions it knows
//   POST /sessions/<id>/watch              take over a Grid session of this node: attach to its
//                                          browser, start sampling its process tree
//   GET  /sessions/<id>/samples?since=N&wait_ms=M   the batches from sequence N on (long poll);
//                                          the agent keeps every batch of the session until it
//                                          ends, so a controller that lost the connection asks
//                                          again from where it was and loses nothing
//   POST /sessions/<id>/{gc,counters,detailed,errors,ping,hang_stack,crash,snapshot,state,
//                        status,kill,limit,end}   the BrowserSession operations, run on the node
//   GET  /sessions/<id>/files/<name>       a heap snapshot written on the node
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/browser/profile.hpp"
#include "harness/model/run_model.hpp"
#include "harness/platform/process.hpp"

namespace harness {

// The agent's port when a node's stereotype names no `harness:agent` URL.
inline constexpr int kDefaultAgentPort = 4450;

nlohmann::json to_json(const ProcessReading& r);
ProcessReading reading_from_json(const nlohmann::json& j);
nlohmann::json to_json(const DetailedReading& r);
DetailedReading detailed_from_json(const nlohmann::json& j);
nlohmann::json to_json(const ProcessIdentity& id);
ProcessIdentity identity_from_json(const nlohmann::json& j);
nlohmann::json to_json(const SampleBatch& batch);
SampleBatch batch_from_json(const nlohmann::json& j);
nlohmann::json to_json(const EndReport& report);
EndReport end_report_from_json(const nlohmann::json& j);
nlohmann::json to_json(const BrowserNotice& notice);
BrowserNotice notice_from_json(const nlohmann::json& j);
nlohmann::json to_json(const PageError& error);
PageError page_error_from_json(const nlohmann::json& j);
nlohmann::json to_json(const ProcessStatus& status);
ProcessStatus status_from_json(const nlohmann::json& j);

// The token in `file` without surrounding white space. Throws InputError when the file is
// missing, unreadable or empty.
std::string read_token_file(const std::filesystem::path& file);

// Whether an Authorization header carries `token` ("Bearer <token>"), compared in constant time.
bool authorized(const std::string& authorization_header, const std::string& token);

// "http://127.0.0.1:5555" -> {"127.0.0.1", 5555}; "http://[::1]:80/x" -> {"::1", 80}. Throws
// InputError when it is not an http URL.
struct HostPort {
  std::string host;
  int port = 0;
};
HostPort parse_http_url(const std::string& url);

}  // namespace harness
