// `harness agent`: the node-side half of a Grid matrix (grid/agent.hpp, docs/grid.md).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace harness {

struct AgentCommandOptions {
  std::string node;  // http://127.0.0.1:5555
  std::string bus;   // tcp://127.0.0.1:4442
  std::string listen = "127.0.0.1";
  int port = 4450;
  std::string token_file;
  std::string dir;
  bool verbose = false;
};

void setup_agent_command(CLI::App& app, AgentCommandOptions& options);
int run_agent_command(const AgentCommandOptions& options);

}  // namespace harness
