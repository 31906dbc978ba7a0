#include "harness/cli/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstring>

#include <iostream>

#include "harness/platform/cleanup_journal.hpp"
#include "harness/platform/process.hpp"
#include "harness/platform/watcher.hpp"
#include "harness/run/abandoned_runs.hpp"

namespace harness {

namespace {
std::atomic<bool> g_stop{false};
std::atomic<int> g_signals{0};

void on_signal(int) {
  // Async-signal-safe only: atomics, write(2), kill(2), _exit(2).
  if (g_signals.fetch_add(1) == 0) {
    g_stop.store(true);
    const char* text =
        "\nharness: stopping after the current step; results so far are kept "
        "(Ctrl-C again ends the browser at once)\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, text, std::strlen(text));
    return;
  }
  kill_registered_process_groups();
  const char* text = "\nharness: killed the browser and driver; exiting\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, text, std::strlen(text));
  ::_exit(130);
}
}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // A closed pipe (| head) must not kill the harness before it ends the browser.
  signal(SIGPIPE, SIG_IGN);
}

const std::atomic<bool>& stop_requested() { return g_stop; }

void guard_against_being_killed() {
  const auto dir = cleanup_journal_dir();
  recover_abandoned_runs(dir, std::cerr);
  start_watcher(dir);
}

}  // namespace harness
