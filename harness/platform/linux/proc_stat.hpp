// Reading /proc/PID/stat and /proc/PID/cmdline (Linux only).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "harness/platform/process.hpp"

namespace harness {

struct ProcStat {
  char state = '?';
  Pid ppid = 0;
  std::uint64_t start_ticks = 0;  // field 22: clock ticks after boot
};

// Parses the text of /proc/PID/stat; the comm field may itself contain spaces and ')'.
std::optional<ProcStat> parse_proc_stat(std::string_view text);
std::optional<ProcStat> read_proc_stat(Pid pid);

// /proc/PID/cmdline as one string, NUL separators turned into spaces. Chromium's children
// rewrite argv (setproctitle) into one space-joined string, so callers must split on spaces
// anyway (reference chromium-linux.md §2.1).
std::string read_proc_cmdline(Pid pid);

}  // namespace harness
