#include <fmt/format.h>

#include <string>

#include "harness/platform/watcher.hpp"

namespace harness {

// Windows needs no watcher for processes: each launched process is in a job object with
// JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, and the system closes the harness's job handles when the
// harness dies, ending every process in the jobs. The next harness reaps the journal (profile
// folders, the store's record).
bool start_watcher(const std::filesystem::path&) { return false; }

void wait_for_watched_harness_to_end() {}

}  // namespace harness
