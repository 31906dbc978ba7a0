// The retention analysis of a 10,000-point curve: the per-metric verdict (OLS, Theil–Sen, the
// plateau search) and a whole run's verdict over seven metrics of that length.
//
//   build/bench/analyze_bench
#include <benchmark/benchmark.h>

#include <cmath>

#include "harness/analyze/fit.hpp"
#include "harness/analyze/verdict.hpp"

namespace {

using namespace harness;

// A slow leak with deterministic noise: 10 KiB/iteration ± 1 KiB.
Curve leaking_curve(int points) {
  Curve c{metric::kJsHeapUsed, {}};
  for (int i = 0; i < points; ++i) {
    c.points.push_back({i, 700.0 * 1024 + 10240.0 * i + 1024.0 * std::sin(i * 0.7)});
  }
  return c;
}

void BM_OlsFit(benchmark::State& state) {
  const Curve c = leaking_curve(static_cast<int>(state.range(0)));
  std::vector<double> x, y;
  for (const auto& p : c.points) {
    x.push_back(p.iteration);
    y.push_back(p.value);
  }
  for (auto _ : state) benchmark::DoNotOptimize(ols(x, y));
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_OlsFit)->Arg(10'000)->Unit(benchmark::kMicrosecond);

void BM_AnalyzeMetric(benchmark::State& state) {
  const Curve c = leaking_curve(static_cast<int>(state.range(0)));
  const MetricRule& rule = default_metric_rules()[1];  // JS heap
  VerdictKind kind = VerdictKind::kInsufficient;
  for (auto _ : state) {
    const MetricVerdict v = analyze_metric(c, rule);
    kind = v.kind;
    benchmark::DoNotOptimize(kind);
  }
  state.SetLabel(verdict_name(kind));
}
BENCHMARK(BM_AnalyzeMetric)->Arg(100)->Arg(1'000)->Arg(10'000)->Unit(benchmark::kMillisecond);

void BM_AnalyzeRun(benchmark::State& state) {
  std::vector<CheckpointRecord> checkpoints;
  for (int i = 0; i < state.range(0); ++i) {
    CheckpointRecord c;
    c.iteration = i;
    for (const auto& rule : default_metric_rules()) {
      c.metrics[rule.metric] = 1000.0 + 2.0 * rule.threshold_per_iteration * i;
    }
    checkpoints.push_back(std::move(c));
  }
  for (auto _ : state) benchmark::DoNotOptimize(analyze_checkpoints(checkpoints));
}
BENCHMARK(BM_AnalyzeRun)->Arg(10'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
