// The few things the portable code asks of the operating system: whether stderr is a terminal,
// whether a file can be run, a private temporary folder, the machine's name and OS, and
// Ctrl-C. Linux: linux/system_linux.cpp; Windows: windows/system_windows.cpp.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

namespace harness {

bool stderr_is_terminal();

// The file exists and may be executed (Linux: X_OK; Windows: it exists).
bool is_executable(const std::filesystem::path& file);

// A new folder `<parent>/<prefix><random>` only this user can use. Throws std::runtime_error.
std::filesystem::path make_private_temp_dir(const std::filesystem::path& parent,
                                            const std::string& prefix);

// "Linux 6.1.0-13-amd64 x86_64", "Windows 10.0.19045 x64"; the machine's host name.
std::string os_description();
std::string host_name();

// Ctrl-C and SIGTERM (Windows: Ctrl-C, Ctrl-Break, console close): the first sets `stop`
// (the run ends after the current step and keeps its results) and says so on stderr; a second
// one kills every process group the harness launched and exits 130. Ignores SIGPIPE on Linux.
void install_stop_handlers(std::atomic<bool>& stop);

// Windows: restores the registry values of journals in `dir` whose harness is gone (a killed
// run of an IE profile) and says what it did, one sentence per journal. Elsewhere: nothing.
std::vector<std::string> restore_registry_left_by_dead_harnesses(const std::filesystem::path& dir);

}  // namespace harness
