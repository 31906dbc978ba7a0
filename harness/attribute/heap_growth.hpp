// What grew across three or more heap snapshots of one page, and what holds it (issue 16).
//
// The method is BLeak's (Vilk & Berger, PLDI 2018) made cheap enough to run after every
// attributed run: the iterations are round trips to the same visual state, so whatever a leak
// keeps accumulates at a steady rate per iteration, while something allocated once and kept (a
// lazily built cache, a compiled function) appears once. A single diff of two snapshots cannot
// tell the two apart; three can:
//
//   S0 (baseline checkpoint)  ...  S1 (a middle checkpoint)  ...  S2 (the last)
//
// V8 gives an object the same id in every snapshot of a renderer, so each object of S2 that S0
// does not have was born in the first interval (S1 has it) or the second (S1 does not). Objects
// are grouped by what they are (constructor, DOM tag, detached window/document/DOM tree), and a
// group is growth when BOTH intervals added it at a rate of at least `min_per_iteration`, and
// the two rates are within a factor of `max_rate_ratio` of each other: proportional to the
// iterations, not a one-off.
//
// Leak roots, not every leaked object: a kept window brings its document, thousands of DOM
// nodes and its records, all growing. Every node gets the shortest path (fewest edges, weak
// edges excluded) from the page's own window (the main frame's live window), or from the GC
// roots when the window does not reach it; the first new object of a growing group on that path
// holds the node. A growing group whose members are mostly held by another group's is listed
// in that group's `contains`; the others are the roots, ranked by the self sizes of all the new
// objects they hold per iteration (BLeak's "how much growth fixing it would remove"). Their
// retained size comes from the dominator tree of the last snapshot (Cooper, Harvey & Kennedy's
// iterative algorithm over the non-weak edges, as DevTools computes retained sizes); in
// Chromium's unified V8/Blink heap a detached window's realm is reachable along several paths,
// so it is a lower bound, and the ranking does not use it.
//
// Who holds it: the path from the page's window to the root group's nearest member, and the
// holder, the nearest object on that path a developer knows, named by the property or closure
// variable that leads to it ("kept (Array)").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/attribute/heap_snapshot.hpp"
#include "harness/model/attribution.hpp"

namespace harness {

struct GrowthOptions {
  double min_per_iteration = 0.5;  // new objects per iteration, in every interval
  double max_rate_ratio = 2.0;     // the faster interval at most this many times the slower
  // A leak root is reported when the new objects it holds grow at least this much per
  // iteration. On fixtures/clean.html (iframe churn, nothing kept) the page's performance
  // timeline entries (resource and long-animation-frame timings, bounded buffers) and
  // chromedriver's own bookkeeping grow 0.1-0.4 KiB per iteration.
  double min_bytes_per_iteration = 1024;
  std::size_t max_groups = 10;     // reported
  std::size_t retained_candidates = 40;  // groups whose retained size is computed
};

// The ids of one earlier snapshot (read_heap_snapshot_ids) and the iteration it was taken at.
struct SnapshotIds {
  int iteration = 0;
  std::vector<std::uint32_t> ids;  // sorted
};

struct GrowthResult {
  std::vector<GrowthGroup> groups;
  std::string noise_floor;  // the rule, in words
};

// `earlier` are the snapshots before the last, oldest first (at least two); `last` was taken at
// `last_iteration`. Throws InputError when the iterations do not increase.
GrowthResult analyze_heap_growth(const std::vector<SnapshotIds>& earlier, const HeapGraph& last,
                                 int last_iteration, const GrowthOptions& options = {});

// What a node is called in groups and paths: "Window (detached)", "Detached <table>",
// "Object", "(string)", "run()" ... and its kind (GrowthGroup::kind).
struct NodeLabel {
  std::string name;
  std::string kind;
};
NodeLabel label_node(const HeapGraph& graph, std::size_t node);

}  // namespace harness
