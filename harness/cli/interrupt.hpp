// Ctrl-C and SIGTERM: the first asks the run to stop at the next step boundary (the session is
// then deleted, processes ended, results written); a second one kills every process group the
// harness launched at once and exits 130.
#pragma once

#include <atomic>

namespace harness {

void install_interrupt_handlers();

// Before `run` or `matrix` launches anything: reports (stderr) and cleans up what killed
// harnesses left behind (run/abandoned_runs.hpp), then starts this harness's watcher so that,
// if this process is killed, its browsers and drivers end with it (platform/watcher.hpp).
void guard_against_being_killed();
const std::atomic<bool>& stop_requested();

}  // namespace harness
