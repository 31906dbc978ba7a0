// Crash detection on Windows: a watched process's exit and its exit code. An IE tab that dies
// of an unhandled exception or a fail-fast exits with an NTSTATUS error code (0xC0000005,
// 0xC0000409, 0xC0000017 ...), an ended or closed one with an ordinary code (Windows only).
#pragma once

#include <windows.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/platform/process.hpp"
#include "harness/model/process.hpp"

namespace harness {

struct ProcessExit {
  ProcessIdentity identity;
  ProcessRole role = ProcessRole::kOther;
  std::string subtype;
  std::uint32_t exit_code = 0;
  bool crashed = false;  // is_crash_exit_code
  std::string description;  // "0xC0000017 (no memory)"
};

class ProcessExitWatcher {
 public:
  ProcessExitWatcher() = default;
  ~ProcessExitWatcher();
  ProcessExitWatcher(const ProcessExitWatcher&) = delete;
  ProcessExitWatcher& operator=(const ProcessExitWatcher&) = delete;

  // Starts watching the exact process (a handle is kept, so its exit code survives it). False
  // when it is already gone. Watching twice is harmless.
  bool watch(const ProcessIdentity& identity, ProcessRole role, const std::string& subtype = {});
  // Processes that exited since the last call.
  std::vector<ProcessExit> poll();
  // A handle to wait on with WaitForMultipleObjects (nullptr when not watched).
  HANDLE handle_of(const ProcessIdentity& identity) const;

 private:
  struct Watched {
    HANDLE handle = nullptr;
    ProcessRole role = ProcessRole::kOther;
    std::string subtype;
  };
  std::map<ProcessIdentity, Watched> watched_;
};

}  // namespace harness
