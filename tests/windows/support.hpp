// Helpers of the Windows tests (run under Wine by scripts/test-windows.sh, or on a Windows VM).
#pragma once

#include <windows.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/model/run_model.hpp"
#include "harness/platform/process.hpp"
#include "harness/platform/process_tree.hpp"

namespace harness::testing {

constexpr std::uint64_t kMiB = 1024 * 1024;

// The folder of the test program: the synthetic IE programs are built beside it.
std::filesystem::path own_dir();
// ietab programs of a bitness: this build's own folder, or for the other bitness the folder in
// HARNESS_IETAB_X86_DIR / HARNESS_IETAB_X64_DIR (scripts/test-windows.sh sets them). Empty
// when not available.
std::filesystem::path tools_dir(int bits);
int own_bits();
// A 32-bit harness cannot read a 64-bit process's command line (its PEB), so it cannot tell IE
// tabs from frames there: on 64-bit Windows the harness is the x64 build. Tests of 64-bit
// targets skip in the 32-bit build with this reason.
constexpr const char* kNo64BitTargets =
    "the 32-bit harness build does not sample 64-bit processes (it cannot read their PEB command "
    "line, so SCODEF tabs are not found); on 64-bit Windows the harness is the x64 build";

std::string read_text(const std::filesystem::path& file);
// A fresh folder under %TEMP% for one test.
std::filesystem::path fresh_dir(const std::string& name);

bool eventually(const std::function<bool()>& predicate,
                std::chrono::milliseconds limit = std::chrono::seconds(20));

// Runs a program to its end (at most `limit`) and returns its exit code and output.
struct Finished {
  int exit_code = -1;
  std::string output;
};
Finished run_to_end(const std::filesystem::path& program, const std::vector<std::string>& args,
                    std::chrono::milliseconds limit = std::chrono::seconds(60));

// One lock-stepped run of the synthetic frame + tab, observed by the harness's own parts: the
// Windows ProcessTree with the IE classifier, the background Sampler with the ceiling rule
// (renderer private bytes above the ceiling: ceiling_reached), a detailed reading after each
// iteration (the checkpoint), and crash detection by the tab's exit code.
struct TabCheckpoint {
  int iteration = 0;
  std::uint64_t private_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  std::uint64_t largest_free_bytes = 0;
  std::uint64_t free_bytes = 0;
  bool is_32bit = false;
  bool large_address_aware = false;
};

struct TabRun {
  std::vector<TabCheckpoint> checkpoints;
  std::vector<SampleBatch> samples;
  std::optional<int> ceiling_iteration;          // first checkpoint over the ceiling
  std::optional<int> sampled_ceiling_iteration;  // first sample over it (iteration in progress)
  std::optional<int> crash_iteration;            // the iteration during which the tab died
  std::uint32_t exit_code = 0;
  bool crashed = false;
  int iterations_done = 0;
  ProcessIdentity frame, tab;
  ProcessClass frame_class, tab_class;
  std::string tab_cmdline;
  std::string output;  // frame and tab stdout
};

struct TabRunOptions {
  std::filesystem::path frame_exe, tab_exe;
  std::vector<std::string> tab_args;
  int max_iterations = 100;
  std::optional<std::uint64_t> ceiling_bytes;
  std::string profile = "ie11-x86";
  // Called after each checkpoint with the tab's identity (dumps at a threshold, ...).
  std::function<void(const TabCheckpoint&, const ProcessIdentity& tab)> on_checkpoint;
};

TabRun run_synthetic_tab(const TabRunOptions& options);

// "died iteration 57: ..." -> 57 from the tab's own output; nullopt when it did not die.
std::optional<int> reported_death_iteration(const std::string& output);
// The tab's own per-iteration report: iteration -> private_mb / largest_free_mb.
std::optional<double> reported_value(const std::string& output, int iteration, const std::string& key);

}  // namespace harness::testing
