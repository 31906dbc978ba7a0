#include "harness/cli/watch_command.hpp"

#include "harness/cli/exit_codes.hpp"
#include "harness/platform/cleanup_journal.hpp"
#include "harness/platform/watcher.hpp"
#include "harness/run/abandoned_runs.hpp"

namespace harness {

void setup_watch_command(CLI::App& app, WatchCommandOptions& o) {
  auto* cmd = app.add_subcommand("__watch", "internal: the watcher of a running harness");
  cmd->group("");  // not listed in --help
  cmd->add_option("--journal", o.journal)->required();
  cmd->add_option("--owner", o.owner)->required();
}

int run_watch_command(const WatchCommandOptions& o) {
  const auto owner = parse_identity_argument(o.owner);
  if (!owner) return kExitBadInput;
  wait_for_watched_harness_to_end();
  reap_for_watcher(o.journal, *owner);
  return kExitOk;
}

}  // namespace harness
