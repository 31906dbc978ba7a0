// The page counters of every target of a tab, combined (issue 17). Chromium runs a cross-site
// frame in a renderer of its own and each worker in an isolate of its own: the top page's
// counters do not see what they keep. Pure: the profile reads each target over CDP, this file
// decides how they add up.
//
//   - frames: Performance.getMetrics and Runtime.getHeapUsage of a frame's session describe its
//     renderer's main thread (node, document and listener counts are process-wide; the JS heap
//     is the isolate's), and every frame of one site shares that renderer: one reading per site
//     (the first), never one per frame;
//   - workers: each has its own isolate: every reading counts, and workers with the same label
//     add up (a page that keeps starting workers of one script);
//   - the top page's dom.*, frames and layout counters stay its own.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace harness {

struct TargetReading {
  std::string type;  // "page", "iframe", "worker", "shared_worker", "service_worker"
  std::string url;
  std::map<std::string, double> values;  // page.* metric names
};

// "page", "frame:localhost", "worker:127.0.0.1/fixtures/keeper.js".
std::string target_label(const std::string& type, const std::string& url);

// The summed page.* metrics plus each target's own (target_metric names), from the readings.
std::map<std::string, double> combine_targets(const std::vector<TargetReading>& readings);

}  // namespace harness
