// A browser process as the pipeline sees it: its role and its memory readings. Plain data; how
// a role is recognised is the browser profile's business (browser/chromium_processes.hpp,
// browser/ie.hpp), how memory is read the platform's (platform/process_tree.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace harness {

using Pid = std::int64_t;

enum class ProcessRole {
  kDriver,    // chromedriver / IEDriverServer: the process the harness launched
  kBrowser,   // Chromium's browser process (no --type); IE's frame process
  kRenderer,  // --type=renderer; IE's tab process
  kGpu,       // --type=gpu-process
  kUtility,   // --type=utility; the sub-type says which service
  kZygote,    // --type=zygote
  kCrashpad,  // chrome_crashpad_handler
  kComponent, // a co-running program of the scenario's components; the subtype is its name
  kOther,
};

const char* role_name(ProcessRole role);
// The role role_name() spells `name`; kOther for a name it does not know.
ProcessRole role_from_name(std::string_view name);

// The subtype of Chromium's --top-chrome-webui renderers, which draw the browser's own UI (tab
// strip, menus), not the page.
inline constexpr std::string_view kWebUiSubtype = "webui";

struct ProcessClass {
  ProcessRole role = ProcessRole::kOther;
  std::string subtype;  // --utility-sub-type=..., kWebUiSubtype for --top-chrome-webui renderers
};

// A renderer of the page under test: what renderer.* metrics, the ceiling and dumps are about.
// Every renderer but the WebUI ones (IE's tab processes are renderers too).
inline bool is_page_renderer(ProcessRole role, std::string_view subtype) {
  return role == ProcessRole::kRenderer && subtype != kWebUiSubtype;
}

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

inline bool is_page_renderer(const ProcessReading& r) { return is_page_renderer(r.role, r.subtype); }

}  // namespace harness
