// Leak attribution (issue 16): what grew across a run's heap snapshots, and what holds it.
// attribute/ computes it, the run records it in summary.json `attribution`, the report and the
// console show it. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace harness {

// One heap snapshot the run took for attribution (after a checkpoint's forced GC).
struct AttributionSnapshot {
  int iteration = 0;
  std::string file;  // relative to the run folder
  std::uint64_t size_bytes = 0;
  std::uint64_t nodes = 0;  // heap graph nodes (0 until parsed)
};

// One step of a retainer path: the node, and the edge that leads from it to the next step.
struct RetainerStep {
  std::string node;  // "Window (global)", "Array", "Detached HTMLTableElement"
  std::string edge;  // ".kept", "[17]", "(context) kept"; empty on the last step
};

// Objects of one kind that appeared after the baseline snapshot and kept growing in proportion
// to the iterations (the first and the second interval between the snapshots): a leak root,
// with the growing groups it holds in `contains` (attribute/heap_growth.hpp).
struct GrowthGroup {
  std::string name;  // constructor / node name: "Window (detached)", "Object", "HTMLTableElement"
  // What it is: object, detached_window, detached_document, detached_dom, closure, string,
  // array, native, code, system
  std::string kind;
  double count_per_iteration = 0;     // new objects per iteration over the whole span
  double first_per_iteration = 0;     // over the first interval (baseline -> middle snapshot)
  double second_per_iteration = 0;    // over the second interval (middle -> last)
  std::uint64_t new_count = 0;        // new since the baseline and alive in the last snapshot
  double self_bytes_per_iteration = 0;
  // The new objects this group's new objects hold, its own included, on the shortest paths
  // from the page: the growth that fixing this leak would remove. Groups are ranked by it.
  double growth_bytes_per_iteration = 0;
  // What only they keep alive (dominator tree): a lower bound of what removing them frees.
  double retained_bytes_per_iteration = 0;
  std::vector<std::string> contains;  // the growing groups held through it: "Object +130/it"
  std::vector<RetainerStep> path;     // shortest path from a root to one representative object
  std::string holder;                 // the path's last named holder before the object
};

// IE (and Chromium too, from script): the elements of every document the page can reach.
struct FrameDomCount {
  std::string frame;  // "top", "top/0", "top/0/1": index path through window.frames
  std::string url;
  double elements = 0;
};

struct FrameDomCheckpoint {
  int iteration = 0;
  std::vector<FrameDomCount> frames;
};

// The growth of one frame's document between the first and the last checkpoint with counts.
struct FrameDomGrowth {
  std::string frame;
  std::string url;
  double first = 0;
  double last = 0;
  double per_iteration = 0;
};

struct Attribution {
  std::string method;  // "heap_snapshots" (Chromium), "dom_counts" (IE, or no snapshots)
  std::vector<AttributionSnapshot> snapshots;
  std::vector<GrowthGroup> groups;  // above the noise floor, highest retained growth first
  std::string noise_floor;          // the rule a group had to pass, in words
  std::vector<FrameDomCheckpoint> dom_counts;
  std::vector<FrameDomGrowth> frames_grown;  // frames whose document grew, largest first
  double analysis_seconds = 0;  // reading the snapshots and the growth analysis
  std::string error;  // why attribution could not be made ("" when it was)
};

}  // namespace harness
