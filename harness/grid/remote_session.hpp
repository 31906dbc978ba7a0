// The controller's side of a Grid cell (issue 13): a BrowserProfile whose sessions are Selenium
// Grid sessions. Steps go through the hub (W3C WebDriver); everything that needs the node's
// machine — samples, forced GC, page counters, detailed readings, heap snapshots, ceiling
// enforcement, ending the session's processes — goes to the `harness agent` beside the node
// that got the session (grid/agent.hpp), with the shared token. The run above it (run/) is the
// local one unchanged, so a cell's results are what a local run records.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/browser/profile.hpp"

namespace harness {

struct GridOptions {
  std::string hub_url;  // http://127.0.0.1:4444
  std::string token;    // the agents' shared token
  // Agents by node URI, for nodes whose stereotype names none (`harness:agent`); otherwise the
  // agent is looked for at the node's host, port kDefaultAgentPort.
  std::map<std::string, std::string> agents;
  // How long a cell waits in the hub's queue for a free slot.
  std::chrono::milliseconds new_session_timeout{300'000};
};

// The free slots of the hub's nodes for `browser_name` ("chrome"), from the hub's /status;
// throws LaunchError when the hub does not answer.
int grid_free_slots(const GridOptions& grid, const std::string& browser_name);

// Runs `local`'s browser family on the Grid. Only `chromium` so far (its agent attaches over
// DevTools); other profiles are a LaunchError naming what is missing.
class GridProfile final : public BrowserProfile {
 public:
  GridProfile(const BrowserProfile& local, GridOptions grid)
      : local_(local), grid_(std::move(grid)) {}
  std::string name() const override { return local_.name(); }
  std::string description() const override {
    return local_.description() + ", on Selenium Grid " + grid_.hub_url;
  }
  std::unique_ptr<BrowserSession> launch(const LaunchOptions& options) const override;
  DumpFormat dump_format() const override { return local_.dump_format(); }
  // Components live on the harness's machine: extension folders and programs are not on the
  // node (not supported yet; a run records them as not applicable).
  bool runs_beside_programs() const override { return false; }

 private:
  const BrowserProfile& local_;
  GridOptions grid_;
};

// The agent's URL for a node: `explicit_agents[node_uri]`, else the stereotype's
// `harness:agent`, else http://<node host>:kDefaultAgentPort.
std::string agent_url_for(const std::string& node_uri, const nlohmann::json& stereotype,
                          const std::map<std::string, std::string>& explicit_agents);

}  // namespace harness
