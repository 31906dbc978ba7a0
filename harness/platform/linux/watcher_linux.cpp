#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "harness/platform/cleanup_journal.hpp"
#include "harness/platform/watcher.hpp"

namespace harness {

bool start_watcher(const std::filesystem::path& journal_dir) {
  const auto self = identify_process(current_process_id());
  if (!self) return false;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    spdlog::warn("no watcher: cannot find the harness executable: {}", ec.message());
    return false;
  }
  int fds[2];
  // Close-on-exec on both ends: the write end stays only in this process (a browser or driver
  // that inherited it would keep the watcher waiting after the harness died); the read end
  // becomes the watcher's stdin through dup2, which clears the flag on the copy.
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    spdlog::warn("no watcher: pipe: {}", std::strerror(errno));
    return false;
  }
  // Everything exec needs is prepared before fork: only async-signal-safe calls in the child.
  const std::string exe_text = exe.string();
  const std::string dir_text = journal_dir.string();
  const std::string owner_text = identity_argument(*self);
  std::vector<std::string> args = {exe_text, "__watch", "--journal", dir_text, "--owner",
                                   owner_text};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    spdlog::warn("no watcher: fork: {}", std::strerror(errno));
    ::close(fds[0]);
    ::close(fds[1]);
    return false;
  }
  if (pid == 0) {
    // A session of its own: a signal to the harness's process group (Ctrl-C, a CI job's
    // group kill) does not take the watcher with it. It ignores the signals that end a harness
    // politely anyway, and reaps once the pipe closes.
    ::setsid();
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGTERM, SIG_IGN);
    ::signal(SIGHUP, SIG_IGN);
    ::signal(SIGPIPE, SIG_IGN);
    ::dup2(fds[0], STDIN_FILENO);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, STDOUT_FILENO);
    ::execv(exe_text.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[0]);
  // fds[1] stays open (and close-on-exec) for the life of this process: its end is the signal.
  return true;
}

void wait_for_watched_harness_to_end() {
  char buffer[64];
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n == 0) return;
    if (n < 0 && errno != EINTR) return;
  }
}

}  // namespace harness
