// harness __watch (hidden): the watcher a `run` or `matrix` starts (platform/watcher.hpp). Waits
// for its harness to end; if the harness left runs unfinished, ends their processes, removes
// their profiles, marks them interrupted and leaves a note for the next harness to print.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace harness {

struct WatchCommandOptions {
  std::string journal;
  std::string owner;  // PID:START of the harness
};

void setup_watch_command(CLI::App& app, WatchCommandOptions& options);
int run_watch_command(const WatchCommandOptions& options);

}  // namespace harness
