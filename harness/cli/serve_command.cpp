#include "harness/cli/serve_command.hpp"

#include <fmt/format.h>

#include <iostream>
#include <thread>

#include "harness/cli/exit_codes.hpp"
#include "harness/cli/interrupt.hpp"
#include "harness/serve/page_server.hpp"

namespace harness {

void setup_serve_command(CLI::App& app, ServeCommandOptions& o) {
  auto* cmd = app.add_subcommand("serve", "Serve the test pages on 127.0.0.1 until Ctrl-C");
  cmd->add_option("folder", o.folder, "Folder to serve (default: pages)");
  cmd->add_option("--bind", o.bind, "Address to bind (default: 127.0.0.1, loopback only)");
  cmd->add_option("--port", o.port, "Port (default: a free one)")->check(CLI::Range(0, 65535));
  cmd->add_option("--allow-host", o.allow_hosts,
                  "Also answer requests that name this host (e.g. the name a lab VM uses for "
                  "this machine); loopback names are always allowed, any other Host gets 421");
}

int run_serve_command(const ServeCommandOptions& o) {
  PageServer server(o.folder, o.bind, o.port);
  for (const auto& host : o.allow_hosts) server.allow_host(host);
  install_interrupt_handlers();
  // The URL is data: stdout, so a script can read it.
  std::cout << server.base_url() << std::endl;
  std::cerr << fmt::format("harness: serving {} at {} (Ctrl-C to stop)\n", o.folder,
                           server.base_url());
  while (!stop_requested().load()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return kExitOk;
}

}  // namespace harness
