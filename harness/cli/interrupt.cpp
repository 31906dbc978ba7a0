#include "harness/cli/interrupt.hpp"

#include <iostream>

#include "harness/platform/cleanup_journal.hpp"
#include "harness/platform/system.hpp"
#include "harness/platform/watcher.hpp"
#include "harness/run/abandoned_runs.hpp"

namespace harness {

namespace {
std::atomic<bool> g_stop{false};
}  // namespace

void install_interrupt_handlers() { install_stop_handlers(g_stop); }

const std::atomic<bool>& stop_requested() { return g_stop; }

void guard_against_being_killed() {
  const auto dir = cleanup_journal_dir();
  for (const auto& text : restore_registry_left_by_dead_harnesses(registry_journal_dir())) {
    std::cerr << "harness: " << text << "\n";
  }
  recover_abandoned_runs(dir, std::cerr);
  start_watcher(dir);
}

}  // namespace harness
