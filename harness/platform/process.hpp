// Launching and ending the processes a run starts. Every child is started in a process group
// of its own and ended by that group or by the PIDs recorded for it, never by name.
// Linux: process_linux.cpp (Boost.Process); Windows: process_windows.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/model/process.hpp"

namespace harness {

// A PID plus the process's start time, so a recycled PID is never mistaken for ours.
struct ProcessIdentity {
  Pid pid = 0;
  std::uint64_t start_ticks = 0;
  bool operator<(const ProcessIdentity& o) const {
    return pid != o.pid ? pid < o.pid : start_ticks < o.start_ticks;
  }
  bool operator==(const ProcessIdentity& o) const {
    return pid == o.pid && start_ticks == o.start_ticks;
  }
};

Pid current_process_id();

// Identity of a live process; nullopt when there is none with this PID.
std::optional<ProcessIdentity> identify_process(Pid pid);

// True while the exact process (PID and start time) exists and is not a zombie.
bool process_alive(const ProcessIdentity& identity);

// Ends one recorded process if it is still the same process (SIGKILL / TerminateProcess).
void kill_process(const ProcessIdentity& identity);

// Ends the process group a recorded process led (Linux: SIGKILL to the group, only while the
// group is provably ours: its leader is the recorded process, or the leader is gone and no other
// process has its PID). Windows: ends the recorded process (its job ends the rest).
void kill_process_group(const ProcessIdentity& leader);

// Limits a process's data segment (Linux RLIMIT_DATA soft limit: private writable mappings), so
// that its allocations fail beyond it; may be called again to move it. False with a reason when
// it cannot be set.
bool set_data_limit(const ProcessIdentity& identity, std::uint64_t bytes, std::string* error);

// Memory figures of one process that the cheap sample does not carry.
struct ProcessStatus {
  std::uint64_t data_bytes = 0;      // VmData (Linux) — committed + reserved private memory
  std::uint64_t peak_rss_bytes = 0;  // VmHWM: the highest resident set since start
  std::uint64_t rss_bytes = 0;       // VmRSS
};
std::optional<ProcessStatus> read_process_status(Pid pid);

struct LaunchSpec {
  std::filesystem::path executable;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // added to (or replacing in) the harness's environment
  std::filesystem::path stdout_file;        // empty: discarded
  std::filesystem::path stderr_file;        // empty: discarded
  std::filesystem::path working_dir;        // empty: the harness's
};

class ChildProcess {
 public:
  // Throws LaunchError when the executable is missing or cannot be started.
  static std::unique_ptr<ChildProcess> launch(const LaunchSpec& spec);

  virtual ~ChildProcess() = default;  // implementations end the group if still running
  virtual Pid pid() const = 0;
  virtual ProcessIdentity identity() const = 0;
  // Exit code once exited (128 + signal for a signal death); nullopt while running.
  virtual std::optional<int> poll_exit() = 0;
  // SIGTERM to the whole group, up to `grace` for it to exit, then SIGKILL to the group; reaps.
  virtual void end_group(std::chrono::milliseconds grace) = 0;
};

// Process groups the harness launched, for the emergency path of a second Ctrl-C: kills them
// with async-signal-safe calls only.
void register_process_group(Pid pgid);
void unregister_process_group(Pid pgid);
void kill_registered_process_groups() noexcept;

}  // namespace harness
