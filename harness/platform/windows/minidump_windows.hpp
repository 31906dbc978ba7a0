// Full-memory dumps like `procdump -ma` (reference ie11-windows.md §4.4), for the dump rules
// (DebugDiag-style thresholds), crashes and hangs. Windows only.
//
// Bitness: a 64-bit harness writes a 64-bit view of a 32-bit (WOW64) process; analysts then
// need `.effmach x86` / `!wow64exts.sw` in WinDbg. procdump writes a 32-bit dump of a 32-bit
// process; for that, run the i686 build of the harness as the dumper. Under Wine every dump of a
// 32-bit process fails with ERROR_INVALID_PARAMETER (87), from either bitness [measured].
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "harness/platform/process.hpp"

namespace harness {

struct MinidumpResult {
  bool ok = false;
  std::filesystem::path file;
  std::uint64_t bytes = 0;
  std::uint32_t error = 0;   // GetLastError of the failing call
  std::string message;       // why it failed, in words
  double seconds = 0;        // the target is frozen this long
};

// MiniDumpWithFullMemory | HandleData | UnloadedModules | FullMemoryInfo | ThreadInfo of the
// exact process (PID + creation time). Never throws; a partial file is removed on failure.
MinidumpResult write_full_minidump(const ProcessIdentity& target, const std::filesystem::path& file);

// What a dump file holds, from its MINIDUMP_HEADER and stream directory.
struct MinidumpInfo {
  std::uint32_t streams = 0;
  std::uint64_t flags = 0;
  bool has_module_list = false;     // ModuleListStream (4)
  bool has_memory64_list = false;   // Memory64ListStream (9): the full memory
  bool has_system_info = false;     // SystemInfoStream (7)
  std::uint16_t processor_architecture = 0;  // 0 x86, 9 AMD64 (SystemInfo)
};
// nullopt when the file is not a minidump ("MDMP" = 0x504D444D).
std::optional<MinidumpInfo> inspect_minidump(const std::filesystem::path& file);

}  // namespace harness
