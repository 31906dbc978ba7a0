#include <signal.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstring>
#include <fmt/format.h>
#include <stdexcept>

#include "harness/platform/process.hpp"
#include "harness/platform/system.hpp"

namespace harness {

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) != 0; }

bool is_executable(const std::filesystem::path& file) {
  return ::access(file.c_str(), X_OK) == 0;
}

std::filesystem::path make_private_temp_dir(const std::filesystem::path& parent,
                                            const std::string& prefix) {
  std::string pattern = (parent / (prefix + "XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) {
    throw std::runtime_error(fmt::format("cannot create a folder {}XXXXXX under {}: {}", prefix,
                                         parent.string(), std::strerror(errno)));
  }
  return pattern;
}

std::string os_description() {
  struct utsname u{};
  ::uname(&u);
  return fmt::format("{} {} {}", u.sysname, u.release, u.machine);
}

std::string host_name() {
  struct utsname u{};
  ::uname(&u);
  return u.nodename;
}

namespace {
std::atomic<bool>* g_stop = nullptr;
std::atomic<int> g_signals{0};

void on_signal(int) {
  // Async-signal-safe only: atomics, write(2), kill(2), _exit(2).
  if (g_signals.fetch_add(1) == 0) {
    if (g_stop) g_stop->store(true);
    const char* text =
        "\nharness: stopping after the current step; results so far are kept "
        "(Ctrl-C again ends the browser at once)\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, text, std::strlen(text));
    return;
  }
  kill_registered_process_groups();
  const char* text = "\nharness: killed the browser and driver; exiting\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, text, std::strlen(text));
  ::_exit(130);
}
}  // namespace

void install_stop_handlers(std::atomic<bool>& stop) {
  g_stop = &stop;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // A closed pipe (| head) must not kill the harness before it ends the browser.
  signal(SIGPIPE, SIG_IGN);
}

std::vector<std::string> restore_registry_left_by_dead_harnesses(const std::filesystem::path&) {
  return {};  // no registry here
}

}  // namespace harness
