// The browser's process tree and its memory, for the sampler and checkpoints.
// Linux: process_tree_linux.cpp (/proc); Windows: process_tree_windows.cpp (Toolhelp32).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/platform/process.hpp"
#include "harness/platform/process_role.hpp"

namespace harness {

// Cheap per-process reading, taken at the sampling rate.
struct ProcessReading {
  Pid pid = 0;
  ProcessRole role = ProcessRole::kOther;
  std::string subtype;
  std::uint64_t rss_bytes = 0;
  // Linux: statm resident − shared = RssAnon, which is Chrome's own "private memory footprint"
  // without swap (reference chromium-linux.md §4.1). Sum this across processes, never RSS:
  // every Chromium process maps the same ~250 MB binary.
  std::uint64_t private_bytes = 0;
  std::uint64_t virtual_bytes = 0;  // VmSize; useless for Chromium renderers (~1.45 TB reserved)
};

// Detailed reading, checkpoints only: smaps_rollup walks the page tables (~20–25 µs per resident
// MB, ~30 ms at 1.3 GB).
struct DetailedReading {
  ProcessReading cheap;
  std::uint64_t pss_bytes = 0;
  std::uint64_t smaps_private_bytes = 0;  // Private_Clean + Private_Dirty
  std::uint64_t swap_bytes = 0;
  std::uint64_t peak_rss_bytes = 0;  // VmHWM; Windows: PeakWorkingSetSize
  std::uint64_t data_bytes = 0;      // VmData; Windows: 0
  // Windows (process_tree_windows.cpp); 0/false on Linux.
  std::uint64_t largest_free_block_bytes = 0;  // largest free region of the user address space
  std::uint64_t free_bytes = 0;                // all free regions of the user address space
  bool is_32bit = false;                       // a WOW64 process on 64-bit Windows
  bool large_address_aware = false;            // its executable's PE header flag
};

using ProcessClassifier = std::function<ProcessClass(std::string_view cmdline)>;

struct ProcessTreeOptions {
  std::vector<Pid> roots;  // processes the harness launched (the driver)
  ProcessClassifier classify;
  // Also track processes whose command line contains this text though they are not descendants
  // (Chromium's crashpad handlers detach; their --database= is the run's own dump folder).
  std::string cmdline_marker;
};

class ProcessTree {
 public:
  explicit ProcessTree(ProcessTreeOptions options);
  ~ProcessTree();
  ProcessTree(const ProcessTree&) = delete;
  ProcessTree& operator=(const ProcessTree&) = delete;

  // Re-discovers the members if any process was created since the last call, or when forced.
  // Renderers come and go (a cross-site iframe gets a renderer per iteration).
  void refresh(bool force = false);
  // One cheap reading of every member; members found gone are dropped.
  std::vector<ProcessReading> read();
  std::vector<DetailedReading> read_detailed();
  // Every process that was ever a member, for making sure they are all gone at the end.
  std::vector<ProcessIdentity> seen() const;
  // The identity of a current member.
  std::optional<ProcessIdentity> identity_of(Pid pid) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parsers of the /proc files, exposed for tests.
struct StatmValues {
  std::uint64_t size_pages = 0, resident_pages = 0, shared_pages = 0;
};
bool parse_statm(std::string_view text, StatmValues& out);
// Fills pss/smaps_private/swap from smaps_rollup text (kB lines) and rss into cheap.rss_bytes.
bool parse_smaps_rollup(std::string_view text, DetailedReading& out);
// VmHWM and VmData from /proc/PID/status text.
void parse_status_memory(std::string_view text, DetailedReading& out);

}  // namespace harness
