// The harness's watcher: a copy of the harness executable (`harness __watch`) that outlives a
// killed harness just long enough to end what it started (platform/cleanup_journal.hpp).
// Linux: watcher_linux.cpp. Windows: watcher_windows.cpp (every launched process is in a
// kill-on-close job object, so the system ends them with the harness; the next harness reaps
// the journal's profile folders and marks the run).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "harness/platform/process.hpp"

namespace harness {

// Starts the watcher of this harness process. It watches a pipe whose write end only this
// process holds (close-on-exec: no browser or driver inherits it), so it sees EOF the moment the
// harness ends, however it ends. Ignores Ctrl-C and SIGTERM (the harness handles those itself).
// Returns false (and logs why) when it cannot be started; the run goes on without it.
bool start_watcher(const std::filesystem::path& journal_dir);

// The watcher's side: blocks until the harness that started it has ended (EOF on stdin).
void wait_for_watched_harness_to_end();

}  // namespace harness
