#include "harness/model/run_model.hpp"

#include <algorithm>

namespace harness {

const std::vector<std::string>& checkpoint_metric_names() {
  static const std::vector<std::string> kNames = {
      metric::kRendererPrivate, metric::kRendererPrivatePeak, metric::kRendererPss,
      metric::kRendererSmapsPrivate,
      metric::kRendererCount,   metric::kBrowserPrivate, metric::kGpuPrivate,
      metric::kUtilityPrivate,  metric::kTreePrivate,    metric::kTreePss,
      metric::kJsHeapUsed,      metric::kJsHeapTotal,    metric::kEmbedderHeap,
      metric::kBackingStorage,  metric::kDocuments,
      metric::kFrames,          metric::kNodes,          metric::kListeners,
      metric::kLayoutObjects,   metric::kDomDocuments,   metric::kDomNodes,
      metric::kDomListeners,     metric::kRendererVirtual, metric::kRendererLargestFreeBlock,
      metric::kRendererFree};
  return kNames;
}

std::string target_metric(const std::string& label, const std::string& page_metric) {
  const std::string field =
      page_metric.rfind("page.", 0) == 0 ? page_metric.substr(5) : page_metric;
  return "target[" + label + "]." + field;
}

std::optional<std::pair<std::string, std::string>> parse_target_metric(const std::string& name) {
  if (name.rfind("target[", 0) != 0) return std::nullopt;
  const auto close = name.rfind("].");
  if (close == std::string::npos || close < 7) return std::nullopt;
  return std::make_pair(name.substr(7, close - 7), "page." + name.substr(close + 2));
}

const std::vector<RunStatus>& all_run_statuses() {
  static const std::vector<RunStatus> kAll = {
      RunStatus::kRunning,        RunStatus::kCompleted, RunStatus::kStepFailed,
      RunStatus::kCrashed,        RunStatus::kCeilingReached, RunStatus::kHung,
      RunStatus::kError,          RunStatus::kInterrupted};
  return kAll;
}

const char* status_name(RunStatus status) {
  switch (status) {
    case RunStatus::kCeilingReached: return "ceiling_reached";
    case RunStatus::kHung: return "hung";
    case RunStatus::kRunning: return "running";
    case RunStatus::kCompleted: return "completed";
    case RunStatus::kStepFailed: return "step_failed";
    case RunStatus::kCrashed: return "crashed";
    case RunStatus::kError: return "error";
    case RunStatus::kInterrupted: return "interrupted";
  }
  return "error";
}

Curve curve_of(const std::vector<CheckpointRecord>& checkpoints, const std::string& metric) {
  Curve curve{metric, {}};
  for (const auto& c : checkpoints) {
    auto it = c.metrics.find(metric);
    if (it != c.metrics.end()) curve.points.push_back({c.iteration, it->second});
  }
  std::stable_sort(curve.points.begin(), curve.points.end(),
                   [](const CurvePoint& a, const CurvePoint& b) { return a.iteration < b.iteration; });
  return curve;
}

}  // namespace harness
