// `harness serve [DIR]`: serve the test pages on 127.0.0.1 for manual reproduction.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace harness {

struct ServeCommandOptions {
  std::string folder = "pages";
  std::string bind = "127.0.0.1";
  int port = 0;
  std::vector<std::string> allow_hosts;  // Host names it answers for besides loopback
};

void setup_serve_command(CLI::App& app, ServeCommandOptions& options);
int run_serve_command(const ServeCommandOptions& options);

}  // namespace harness
