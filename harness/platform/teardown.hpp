// Ending what a run started, shared by every browser session's end() and by the reaper of a
// killed harness's journal: wait for ended processes to be gone, remove a folder that a dying
// process may still hold a file in.
#pragma once

#include <chrono>
#include <filesystem>
#include <vector>

#include "harness/platform/process.hpp"

namespace harness {

// Polls until none of `processes` is alive or `wait` has passed; returns those still alive.
std::vector<ProcessIdentity> wait_until_gone(const std::vector<ProcessIdentity>& processes,
                                             std::chrono::milliseconds wait);

// remove_all, tried `attempts` times `pause` apart (Windows keeps a file of a process that is
// still exiting); true when the folder is gone. `error` gets the last failure's message.
bool remove_folder(const std::filesystem::path& dir, int attempts, std::chrono::milliseconds pause,
                   std::string* error = nullptr);

}  // namespace harness
