// Helpers for integration tests that run the real harness binary against real Chromium.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "harness/platform/process.hpp"

namespace harness::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// A fresh folder under the system temp folder, removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& name);
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The harness binary started in the background, its output captured in files.
class HarnessProcess {
 public:
  // The harness's state folder (HARNESS_STATE_DIR: cleanup journal, watcher notes) is
  // <work_dir>/state, so tests never see each other's, nor the user's.
  HarnessProcess(const std::vector<std::string>& args, const std::filesystem::path& work_dir);
  Pid pid() const;
  // Waits up to `limit` for the exit; -1 on timeout (the process is then killed).
  CommandResult wait(std::chrono::seconds limit);
  void signal(int signo);

 private:
  std::unique_ptr<ChildProcess> child_;
  std::filesystem::path out_, err_;
};

CommandResult run_harness(const std::vector<std::string>& args,
                          const std::filesystem::path& work_dir,
                          std::chrono::seconds limit = std::chrono::seconds(600));

std::string read_file(const std::filesystem::path& file);
nlohmann::json read_json(const std::filesystem::path& file);

// The summary.json paths a harness command printed on stdout, in order.
std::vector<std::filesystem::path> summary_files(const CommandResult& result);

// Polls a run's store until an iteration numbered >= n is recorded; false once `limit` passes.
bool wait_for_iteration(const std::filesystem::path& db_file, int n, std::chrono::seconds limit);
// The PID of the newest sample of `role` in a run's store, 0 if there is none.
Pid newest_sampled_pid(const std::filesystem::path& db_file, const std::string& role);

// PIDs that appear in a run's samples.csv.
std::set<Pid> sampled_pids(const std::filesystem::path& run_dir);
// PIDs among `pids` that are alive and not zombies.
std::vector<Pid> alive(const std::set<Pid>& pids);
// Live processes descending from `root` (by parent PID, from /proc), `root` excluded.
std::set<Pid> descendants(Pid root);
// The process's command line, arguments joined by spaces ("" when gone).
std::string command_line(Pid pid);

std::filesystem::path source_dir();

}  // namespace harness::testing
