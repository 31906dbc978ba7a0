// A fixed run model for the reporters' golden tests.
#pragma once

#include "harness/model/run_summary.hpp"

namespace harness::testing {

inline RunSummary fixed_summary() {
  RunSummary s;
  RunInfo& r = s.info;
  r.id = "20261122T170102Z-vtm-review-chromium-retention=window";
  r.scenario = "vtm-review";
  r.scenario_file = "scenarios/vtm-review.yaml";
  r.browser = "chromium";
  r.variant = {{"retention", "window"}};
  r.status = RunStatus::kCompleted;
  r.reason = "10 iterations completed";
  r.started_at = "2026-11-22T17:01:02.000Z";
  r.ended_at = "2026-11-22T17:01:32.500Z";
  r.duration_s = 30.5;
  r.iterations_planned = 10;
  r.iterations_completed = 10;
  r.warmup = 1;
  r.checkpoint_every = 5;
  r.checkpoint_gc = true;
  r.settle_ms = 200;
  r.sample_interval_ms = 100;
  r.input_mode = "scripted";
  r.ceiling_bytes = 1363148800;
  r.start_url = "http://127.0.0.1:4000/vtm-review/index.html?retention=window";
  r.browser_version = "156.0.8078.79";
  r.driver_version = "156.0.8078.79";
  r.environment = {{"os", "Linux 6.1 x86_64"}};
  r.results_dir = "results/20261122T170102Z-vtm-review-chromium-retention=window";
  for (int i : {0, 5, 10}) {
    CheckpointRecord c;
    c.iteration = i;
    c.t_ms = 2000 + i * 2500;
    c.gc = true;
    c.metrics[metric::kRendererPrivate] = 30.0 * 1048576 + i * 4.0 * 1048576;
    c.metrics[metric::kNodes] = 5000 + i * 5000;
    c.metrics[metric::kJsHeapUsed] = 1.5 * 1048576 + i * 0.5 * 1048576;
    s.checkpoints.push_back(c);
  }
  s.events.push_back({1500, 0, "browser_started", "chromium 156.0.8078.79", {{"browser_pid", 1}}});
  s.files = {{"summary", "summary.json"}, {"samples", "samples.csv"}};
  return s;
}

}  // namespace harness::testing
