// Checkpoint metrics from per-process readings: sums by process kind. Pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/platform/process_tree.hpp"

namespace harness {

// renderer.* sums every renderer except Chromium's own WebUI renderers (browser chrome, not
// the page); tree.* sums every process except the driver.
std::map<std::string, double> aggregate_process_metrics(const std::vector<DetailedReading>& readings);

// Renderer private memory of one cheap sample, same rule: the sampler's ceiling metric.
double renderer_private_bytes(const std::vector<ProcessReading>& readings);

}  // namespace harness
