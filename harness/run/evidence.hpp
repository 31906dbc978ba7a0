// The evidence a crash or hang leaves in the run folder: the browser's own minidumps
// (crashpad writes them under dumps/, BREAKPAD_DUMP_LOCATION) and a hung page's JavaScript
// stack. Files only; the runner decides when to collect them.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace harness {

// Crashpad writes the minidump before the crash is reported, but gets this long to appear.
inline constexpr std::chrono::milliseconds kMinidumpWait{2000};

// Waits (up to `limit`) until a .dmp file exists anywhere under `folder`.
bool wait_for_minidump(const std::filesystem::path& folder,
                       std::chrono::milliseconds limit = kMinidumpWait);

struct FoundFile {
  std::string relative;  // to the run folder, e.g. "dumps/completed/abc.dmp"
  std::uint64_t size_bytes = 0;
};
// Every minidump under <run_dir>/dumps, in a stable order.
std::vector<FoundFile> find_minidumps(const std::filesystem::path& run_dir);

// Writes a hung page's stack (JSON text) to dumps/hang-stack-iteration-N.json; returns it.
FoundFile write_hang_stack(const std::filesystem::path& run_dir, int iteration,
                           const std::string& stack_json);

}  // namespace harness
