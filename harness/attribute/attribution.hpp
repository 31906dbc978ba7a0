// Leak attribution of one run (issue 16): the heap snapshots a run took at its checkpoints
// (Chromium), or the frames' DOM counts it read from script (IE, where no heap snapshot exists),
// turned into model/attribution.hpp's Attribution. heap_growth.hpp has the method.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "harness/attribute/heap_growth.hpp"
#include "harness/model/attribution.hpp"

namespace harness {

// Reads the snapshots (oldest first, files relative to `run_dir`, at least three), analyses
// their growth and fills in `attribution.groups`, `noise_floor`, the snapshots' node counts and
// `analysis_seconds`. `progress` is told what is being read. Throws InputError for unreadable
// or too few snapshots.
void attribute_heap_snapshots(Attribution& attribution, const std::filesystem::path& run_dir,
                              const GrowthOptions& options = {},
                              const std::function<void(const std::string&)>& progress = {});

// The frames whose document grew between the first and the last checkpoint that counted them,
// largest growth per iteration first. A frame is known by its place ("top/0") and its URL
// without the query (iframe churn reloads the same page with another query every iteration).
std::vector<FrameDomGrowth> frame_dom_growth(const std::vector<FrameDomCheckpoint>& checkpoints);

// Parses what harness/drive/scripts/frame_dom_counts.js returned.
std::vector<FrameDomCount> parse_frame_dom_counts(const std::string& json_text);

// A retainer path as one line, "Window (global) -> .x -> Array -> [2] -> Window (detached)";
// with `last_steps`, only that many steps from the end, after "... ".
std::string retainer_path_text(const std::vector<RetainerStep>& path, std::size_t last_steps = 0);

// Up to three lines for the console: the top groups and what holds the first.
std::vector<std::string> attribution_console_lines(const Attribution& attribution);

}  // namespace harness
