// Plain data handed between the stages: the runner produces these records, the store and the
// results folder persist them, analysis and reporters read them. No behaviour here beyond
// naming. Units are in the field names (bytes, ms).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/model/process.hpp"
#include "harness/model/variant.hpp"

namespace harness {

// Iteration numbering: warm-up iterations are -warmup..-1, the baseline checkpoint is taken at
// 0 (after set-up and warm-up), measured iterations are 1..N.
struct SampleBatch {
  std::int64_t t_ms = 0;  // since the run started (steady clock)
  int iteration = 0;      // the iteration in progress when the sample was taken
  std::vector<ProcessReading> processes;
};

struct IterationRecord {
  int n = 0;
  std::int64_t started_ms = 0;
  std::int64_t ended_ms = 0;
  bool ok = true;
};

struct StepRecord {
  int iteration = 0;  // as above; setup steps carry iteration 0
  int index = 0;      // position in the flattened step list of its phase
  std::string phase;  // "setup", "warmup", "iteration"
  std::string label;
  std::int64_t started_ms = 0;
  double duration_ms = 0;
  bool ok = true;
  std::string error;
};

// Checkpoint metric names: "<process kind or page>.<field>_<unit>". Sources: statm and
// smaps_rollup for processes; CDP Performance.getMetrics (page.*) and Memory.getDOMCounters
// (dom.*) and Runtime.getHeapUsage (page.embedder_heap_bytes, page.backing_storage_bytes) for
// the page.
namespace metric {
inline constexpr const char* kRendererPrivate = "renderer.private_bytes";
// The highest sampled (live, garbage included) renderer private memory since the previous
// checkpoint: what a ceiling acts on. In Chromium it runs ~2.5× the after-GC value when each
// iteration allocates a lot (vtm-ceiling: 1.31 GiB live at iteration 50, 0.46 GiB after GC).
inline constexpr const char* kRendererPrivatePeak = "renderer.private_peak_bytes";
inline constexpr const char* kRendererPss = "renderer.pss_bytes";
inline constexpr const char* kRendererSmapsPrivate = "renderer.smaps_private_bytes";
inline constexpr const char* kRendererCount = "renderer.count";
// Windows (32-bit IE tabs run out of address space, not memory): recorded when measured.
inline constexpr const char* kRendererVirtual = "renderer.virtual_bytes";
inline constexpr const char* kRendererLargestFreeBlock = "renderer.largest_free_block_bytes";
inline constexpr const char* kRendererFree = "renderer.free_bytes";
inline constexpr const char* kBrowserPrivate = "browser.private_bytes";
inline constexpr const char* kGpuPrivate = "gpu.private_bytes";
inline constexpr const char* kUtilityPrivate = "utility.private_bytes";
inline constexpr const char* kTreePrivate = "tree.private_bytes";
inline constexpr const char* kTreePss = "tree.pss_bytes";
inline constexpr const char* kJsHeapUsed = "page.js_heap_used_bytes";
inline constexpr const char* kJsHeapTotal = "page.js_heap_total_bytes";
inline constexpr const char* kEmbedderHeap = "page.embedder_heap_bytes";     // Oilpan (DOM)
inline constexpr const char* kBackingStorage = "page.backing_storage_bytes";  // ArrayBuffers
inline constexpr const char* kDocuments = "page.documents";
inline constexpr const char* kFrames = "page.frames";
inline constexpr const char* kNodes = "page.nodes";
inline constexpr const char* kListeners = "page.listeners";
inline constexpr const char* kLayoutObjects = "page.layout_objects";
inline constexpr const char* kDomDocuments = "dom.documents";
inline constexpr const char* kDomNodes = "dom.nodes";
inline constexpr const char* kDomListeners = "dom.listeners";
}  // namespace metric

// Per-target page counters (issue 17): the page.* metrics above are summed over every target of
// the tab -- the top page, each cross-site frame's renderer, dedicated and shared workers -- and
// each target's own value is recorded as "target[<label>].<field>", e.g.
// "target[worker:127.0.0.1/fixtures/keeper.js].js_heap_used_bytes" for the page metric
// "page.js_heap_used_bytes". Labels: "page", "frame:<host>" (one renderer per site),
// "worker:<host><path>", "shared_worker:<host><path>" (no port: comparable between runs).
std::string target_metric(const std::string& label, const std::string& page_metric);
// {label, page metric} of a per-target metric name, or nullopt for any other name.
std::optional<std::pair<std::string, std::string>> parse_target_metric(const std::string& name);

// Every checkpoint metric, in the column order of checkpoints.csv.
const std::vector<std::string>& checkpoint_metric_names();

// The metric of the run's curve: private memory of the renderer(s) after a forced GC.
inline constexpr const char* kDefaultCurveMetric = metric::kRendererPrivate;

struct CheckpointRecord {
  int iteration = 0;
  std::int64_t t_ms = 0;
  bool gc = false;  // a forced GC preceded the measurement
  std::map<std::string, double> metrics;
  std::vector<DetailedReading> processes;
};

// A file of evidence: a heap snapshot from a dump rule, a crash minidump, a hung page's stack.
struct DumpRecord {
  std::int64_t t_ms = 0;
  int iteration = 0;
  std::string kind;     // heap_snapshot, minidump, hang_stack
  std::string rule;     // "private >= 300 MiB (rule 1, dump 2/10)", "on_hang", "crash"
  std::string metric;   // private, virtual ("" for crash dumps)
  double value_bytes = 0;
  std::string file;     // relative to the run folder
  std::uint64_t size_bytes = 0;
};

// The page's answer time to a trivial script, once a second during the run (main-thread stalls).
struct HeartbeatRecord {
  std::int64_t t_ms = 0;
  int iteration = 0;
  double latency_ms = 0;  // < 0: no answer within the probe's timeout
};

struct EventRecord {
  std::int64_t t_ms = 0;
  int iteration = 0;
  std::string kind;  // crashed, step_failed, interrupted, error, browser_log, ...
  std::string message;
  nlohmann::json details = nlohmann::json::object();
};

enum class RunStatus {
  kRunning,
  kCompleted,  // every iteration ran; analysis decides what the curve means
  kStepFailed,
  kCrashed,
  kCeilingReached,  // the ceiling was enforced (kill) or the renderer died at it (limit)
  kHung,            // the page stopped answering; evidence captured, browser ended
  kError,
  kInterrupted,
};

// Every status, for parsing back.
const std::vector<RunStatus>& all_run_statuses();

const char* status_name(RunStatus status);

struct RunInfo {
  std::string id;
  std::string scenario;
  std::string scenario_file;
  std::string browser;
  VariantValues variant;
  RunStatus status = RunStatus::kRunning;
  std::string reason;
  std::string started_at;  // ISO 8601 UTC
  std::string ended_at;
  double duration_s = 0;
  int iterations_planned = 0;
  int iterations_completed = 0;
  int warmup = 0;
  int checkpoint_every = 0;
  bool checkpoint_gc = false;
  int settle_ms = 0;
  int sample_interval_ms = 0;
  std::string input_mode;  // "scripted" or "native" (scenario.hpp, InputMode)
  std::optional<std::uint64_t> ceiling_bytes;
  std::string start_url;
  std::string browser_version;
  std::string driver_version;
  nlohmann::json environment = nlohmann::json::object();
  std::string results_dir;
  // The scenario's components and whether each was present in this run, with its version
  // (run/components.cpp); empty for a scenario without components.
  nlohmann::json components = nlohmann::json::array();
};

struct CurvePoint {
  int iteration = 0;
  double value = 0;
};

struct Curve {
  std::string metric;
  std::vector<CurvePoint> points;
};

// A curve for one metric from checkpoints that have it, in iteration order.
Curve curve_of(const std::vector<CheckpointRecord>& checkpoints, const std::string& metric);

}  // namespace harness
