// Ctrl-C and SIGTERM: the first asks the run to stop at the next step boundary (the session is
// then deleted, processes ended, results written); a second one kills every process group the
// harness launched at once and exits 130.
#pragma once

#include <atomic>

namespace harness {

void install_interrupt_handlers();
const std::atomic<bool>& stop_requested();

}  // namespace harness
