#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <atomic>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness/error.hpp"
#include "harness/platform/process.hpp"
#include "harness/platform/linux/proc_stat.hpp"

namespace bp = boost::process;

namespace harness {

std::optional<ProcessIdentity> identify_process(Pid pid) {
  auto stat = read_proc_stat(pid);
  if (!stat || stat->state == 'Z' || stat->state == 'X') return std::nullopt;
  return ProcessIdentity{pid, stat->start_ticks};
}

bool process_alive(const ProcessIdentity& identity) {
  auto stat = read_proc_stat(identity.pid);
  return stat && stat->start_ticks == identity.start_ticks && stat->state != 'Z' &&
         stat->state != 'X';
}

void kill_process(const ProcessIdentity& identity) {
  if (process_alive(identity)) ::kill(static_cast<pid_t>(identity.pid), SIGKILL);
}

Pid current_process_id() { return static_cast<Pid>(::getpid()); }

void kill_process_group(const ProcessIdentity& leader) {
  // A PID stays allocated while it names a live process group, so a group whose leader is gone
  // but whose PID nobody else holds is still the same group. A leader PID held by another
  // process means our group is empty and the PID was reused: leave it alone.
  if (auto stat = read_proc_stat(leader.pid)) {
    if (stat->start_ticks != leader.start_ticks) return;
  }
  ::killpg(static_cast<pid_t>(leader.pid), SIGKILL);
}

bool set_data_limit(const ProcessIdentity& identity, std::uint64_t bytes, std::string* error) {
  if (!process_alive(identity)) {
    if (error) *error = "the process is gone";
    return false;
  }
  // The soft limit only: it is what allocations are checked against, and the harness may raise
  // it again when it re-calibrates (a raised hard limit would need CAP_SYS_RESOURCE).
  struct rlimit current{};
  if (::prlimit(static_cast<pid_t>(identity.pid), RLIMIT_DATA, nullptr, &current) != 0) {
    if (error) *error = std::strerror(errno);
    return false;
  }
  const rlim_t soft = current.rlim_max == RLIM_INFINITY
                          ? static_cast<rlim_t>(bytes)
                          : std::min<rlim_t>(static_cast<rlim_t>(bytes), current.rlim_max);
  struct rlimit limit{soft, current.rlim_max};
  if (::prlimit(static_cast<pid_t>(identity.pid), RLIMIT_DATA, &limit, nullptr) != 0) {
    if (error) *error = std::strerror(errno);
    return false;
  }
  return true;
}

std::optional<ProcessStatus> read_process_status(Pid pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return std::nullopt;
  ProcessStatus status;
  std::string line;
  auto kb = [](const std::string& text) {
    return static_cast<std::uint64_t>(std::strtoull(text.c_str() + text.find(':') + 1, nullptr,
                                                    10)) *
           1024;
  };
  while (std::getline(in, line)) {
    if (line.rfind("VmData:", 0) == 0) status.data_bytes = kb(line);
    else if (line.rfind("VmHWM:", 0) == 0) status.peak_rss_bytes = kb(line);
    else if (line.rfind("VmRSS:", 0) == 0) status.rss_bytes = kb(line);
  }
  return status;
}

namespace {

class LinuxChildProcess final : public ChildProcess {
 public:
  LinuxChildProcess(bp::child child, ProcessIdentity identity)
      : child_(std::move(child)), identity_(identity) {
    register_process_group(identity_.pid);
  }

  ~LinuxChildProcess() override {
    try {
      end_group(std::chrono::milliseconds(0));
    } catch (...) {
    }
  }

  Pid pid() const override { return identity_.pid; }
  ProcessIdentity identity() const override { return identity_; }

  std::optional<int> poll_exit() override {
    if (exit_code_) return exit_code_;
    std::error_code ec;
    if (child_.running(ec)) return std::nullopt;
    exit_code_ = decode(child_.native_exit_code());
    return exit_code_;
  }

  void end_group(std::chrono::milliseconds grace) override {
    const pid_t pgid = static_cast<pid_t>(identity_.pid);
    if (!ended_) {
      if (!poll_exit()) {
        ::killpg(pgid, SIGTERM);
        const auto deadline = std::chrono::steady_clock::now() + grace;
        while (!poll_exit() && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
      // Whatever else is still in the group (the browser a driver started) goes too.
      ::killpg(pgid, SIGKILL);
      std::error_code ec;
      child_.wait(ec);
      if (!exit_code_) exit_code_ = decode(child_.native_exit_code());
      unregister_process_group(identity_.pid);
      ended_ = true;
    }
  }

 private:
  static int decode(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return status;
  }

  bp::child child_;
  ProcessIdentity identity_;
  std::optional<int> exit_code_;
  bool ended_ = false;
};

constexpr std::size_t kMaxGroups = 64;
std::array<std::atomic<pid_t>, kMaxGroups> g_groups{};

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::launch(const LaunchSpec& spec) {
  std::error_code ec;
  if (!std::filesystem::exists(spec.executable, ec)) {
    throw LaunchError(fmt::format("'{}' does not exist; run scripts/setup.sh (or pass its path)",
                                  spec.executable.string()));
  }
  bp::environment env = boost::this_process::environment();
  for (const auto& [key, value] : spec.env) env[key] = value;
  const std::string out = spec.stdout_file.empty() ? "/dev/null" : spec.stdout_file.string();
  const std::string err = spec.stderr_file.empty() ? "/dev/null" : spec.stderr_file.string();
  const std::string cwd = spec.working_dir.empty() ? std::filesystem::current_path().string()
                                                   : spec.working_dir.string();
  try {
    bp::child child(
        bp::exe = spec.executable.string(), bp::args = spec.args, env, bp::start_dir = cwd,
        bp::std_in < bp::null, bp::std_out > out, bp::std_err > err,
        // Own process group: the driver and the browser it starts are ended as one group.
        bp::extend::on_exec_setup = [](auto&) { ::setpgid(0, 0); });
    const Pid pid = child.id();
    // The start time is read right away; the process cannot have been recycled while it is our
    // unreaped child.
    auto identity = identify_process(pid).value_or(ProcessIdentity{pid, 0});
    return std::make_unique<LinuxChildProcess>(std::move(child), identity);
  } catch (const bp::process_error& e) {
    throw LaunchError(fmt::format("cannot start '{}': {}", spec.executable.string(), e.what()));
  }
}

void register_process_group(Pid pgid) {
  for (auto& slot : g_groups) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, static_cast<pid_t>(pgid))) return;
  }
}

void unregister_process_group(Pid pgid) {
  for (auto& slot : g_groups) {
    pid_t expected = static_cast<pid_t>(pgid);
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void kill_registered_process_groups() noexcept {
  for (auto& slot : g_groups) {
    const pid_t pgid = slot.load();
    if (pgid > 0) ::killpg(pgid, SIGKILL);
  }
}

}  // namespace harness
