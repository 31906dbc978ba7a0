// Leak attribution's cost on real snapshots (issue 16 "bounded cost"): reading a heap snapshot
// with the harness's streaming reader, with nlohmann's SAX parser feeding the same handler, and
// as a whole nlohmann::json DOM (what "load it and walk it" costs); then the whole attribution
// (ids of the earlier snapshots, the last one's graph, growth, dominators, paths).
//
//   HARNESS_BENCH_SNAPSHOTS=s0,s1,s2 HARNESS_BENCH_ITERATIONS=0,6,12 build/bench/attribution_bench
//
// bench/attribution_bench.sh makes the snapshots with a real Chromium run and runs each
// benchmark in a process of its own to read its peak RSS (one process's peak is the maximum of
// everything it ran). Without HARNESS_BENCH_SNAPSHOTS every benchmark is skipped.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "harness/attribute/attribution.hpp"
#include "harness/attribute/heap_snapshot.hpp"

namespace {

using namespace harness;

std::vector<std::string> split(const char* text) {
  std::vector<std::string> out;
  if (!text) return out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

const std::vector<std::string>& snapshots() {
  static const std::vector<std::string> files = split(std::getenv("HARNESS_BENCH_SNAPSHOTS"));
  return files;
}

bool ready(benchmark::State& state) {
  if (snapshots().size() < 3) {
    state.SkipWithError("set HARNESS_BENCH_SNAPSHOTS=s0,s1,s2 (bench/attribution_bench.sh)");
    return false;
  }
  return true;
}

std::uint64_t bytes_of(const std::string& file) {
  return static_cast<std::uint64_t>(std::filesystem::file_size(file));
}

void BM_ReadGraphStream(benchmark::State& state) {
  if (!ready(state)) return;
  const auto& file = snapshots().back();
  for (auto _ : state) {
    auto graph = read_heap_graph(file, HeapSnapshotParser::kStream);
    benchmark::DoNotOptimize(graph.edge_to.data());
    state.counters["nodes"] = static_cast<double>(graph.node_count());
    state.counters["edges"] = static_cast<double>(graph.edge_count());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes_of(file)));
}
BENCHMARK(BM_ReadGraphStream)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_ReadGraphNlohmannSax(benchmark::State& state) {
  if (!ready(state)) return;
  const auto& file = snapshots().back();
  for (auto _ : state) {
    auto graph = read_heap_graph(file, HeapSnapshotParser::kNlohmannSax);
    benchmark::DoNotOptimize(graph.edge_to.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes_of(file)));
}
BENCHMARK(BM_ReadGraphNlohmannSax)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_ReadIdsStream(benchmark::State& state) {
  if (!ready(state)) return;
  const auto& file = snapshots()[1];
  for (auto _ : state) {
    auto ids = read_heap_snapshot_ids(file, HeapSnapshotParser::kStream);
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes_of(file)));
}
BENCHMARK(BM_ReadIdsStream)->Unit(benchmark::kMillisecond)->Iterations(3);

// The whole file into a JSON DOM: the way a snapshot is usually read (and the memory it needs).
void BM_ParseDomNlohmann(benchmark::State& state) {
  if (!ready(state)) return;
  const auto& file = snapshots().back();
  for (auto _ : state) {
    std::ifstream in(file, std::ios::binary);
    auto doc = nlohmann::json::parse(in);
    benchmark::DoNotOptimize(doc["nodes"].size());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes_of(file)));
}
BENCHMARK(BM_ParseDomNlohmann)->Unit(benchmark::kMillisecond)->Iterations(1);

// What a run does after the browser ended: all of attribution.
void BM_AttributeRun(benchmark::State& state) {
  if (!ready(state)) return;
  const auto iterations = split(std::getenv("HARNESS_BENCH_ITERATIONS"));
  std::uint64_t total = 0;
  for (const auto& f : snapshots()) total += bytes_of(f);
  for (auto _ : state) {
    Attribution a;
    for (std::size_t i = 0; i < snapshots().size(); ++i) {
      a.snapshots.push_back({i < iterations.size() ? std::stoi(iterations[i]) : int(i * 10),
                             std::filesystem::absolute(snapshots()[i]).string(),
                             bytes_of(snapshots()[i]), 0});
    }
    attribute_heap_snapshots(a, "");
    state.counters["groups"] = static_cast<double>(a.groups.size());
    state.counters["last_nodes"] = static_cast<double>(a.snapshots.back().nodes);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total));
}
BENCHMARK(BM_AttributeRun)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
