#include "harness/cli/agent_command.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <thread>

#include "harness/cli/exit_codes.hpp"
#include "harness/cli/interrupt.hpp"
#include "harness/grid/agent.hpp"
#include "harness/grid/agent_protocol.hpp"
#include "harness/platform/system.hpp"

namespace harness {

void setup_agent_command(CLI::App& app, AgentCommandOptions& o) {
  auto* cmd = app.add_subcommand(
      "agent", "Run beside a Selenium Grid node: sample, GC and end the node's browser sessions "
               "for `harness matrix --grid` (docs/grid.md)");
  cmd->add_option("--node", o.node, "This node's URL as the hub knows it (http://host:5555)")
      ->required();
  cmd->add_option("--bus", o.bus,
                  "The hub's event bus (its XPUB address, tcp://hub:4442); without it the agent "
                  "asks the node's /status");
  cmd->add_option("--listen", o.listen,
                  "Address to listen on for the controller (default 127.0.0.1; the node's "
                  "address when the controller is elsewhere)");
  cmd->add_option("--port", o.port, fmt::format("Port (default {})", kDefaultAgentPort));
  cmd->add_option("--token-file", o.token_file,
                  "File holding the token every controller request must carry")
      ->required();
  cmd->add_option("--dir", o.dir,
                  "Folder for heap snapshots before the controller fetches them (default: a "
                  "folder under the system's temporary folder)");
  cmd->add_flag("-v,--verbose", o.verbose, "Debug logging");
}

int run_agent_command(const AgentCommandOptions& o) {
  spdlog::set_level(o.verbose ? spdlog::level::debug : spdlog::level::info);
  AgentOptions options;
  options.node_url = o.node;
  options.bus = o.bus;
  options.listen = o.listen;
  options.port = o.port;
  options.token = read_token_file(o.token_file);
  options.dir = o.dir.empty() ? std::filesystem::temp_directory_path() /
                                    fmt::format("harness-agent-{}", o.port)
                              : std::filesystem::path(o.dir);
  install_interrupt_handlers();
  Agent agent(options);
  // The address is data: stdout, for the scripts that start agents.
  std::cout << fmt::format("http://{}:{}", o.listen, agent.port()) << std::endl;
  spdlog::info("harness agent for node {} on {}:{}, bus {}", o.node, o.listen, agent.port(),
               o.bus.empty() ? "none (node /status)" : o.bus);
  while (!stop_requested().load()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  spdlog::info("harness agent stopping");
  return kExitOk;
}

}  // namespace harness
