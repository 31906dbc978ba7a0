// What the sampler costs per tick on a real Chromium: one cheap reading of the whole process
// tree (kept-open /proc/PID/statm descriptors), against `ps -o rss= -p <the same PIDs>`, and
// the checkpoint-only detailed reading (smaps_rollup).
//
//   build/bench/sample_bench                    (starts Chromium via chromedriver itself)
//   build/bench/sample_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "harness/browser/chromium.hpp"
#include "harness/sample/sampler.hpp"
#include "harness/serve/page_server.hpp"

namespace {

struct Browser {
  std::unique_ptr<harness::PageServer> server;
  std::unique_ptr<harness::BrowserSession> session;
  std::filesystem::path run_dir;

  Browser() {
    run_dir = std::filesystem::temp_directory_path() / "harness-sample-bench";
    std::filesystem::create_directories(run_dir);
    server = std::make_unique<harness::PageServer>(std::filesystem::path(HARNESS_SOURCE_DIR) /
                                                   "pages");
    harness::LaunchOptions options;
    options.run_dir = run_dir;
    session = harness::ChromiumProfile().launch(options);
    session->driver().navigate(server->base_url() + "vtm-review/index.html");
    session->process_tree().refresh(true);
  }
  ~Browser() {
    session->end();
    std::filesystem::remove_all(run_dir);
  }
};

Browser& browser() {
  static Browser instance;
  return instance;
}

void BM_TreeSampleStatm(benchmark::State& state) {
  auto& tree = browser().session->process_tree();
  std::size_t processes = 0;
  for (auto _ : state) {
    auto batch = harness::Sampler::take(tree, 0, 0);
    processes = batch.processes.size();
    benchmark::DoNotOptimize(batch);
  }
  state.counters["processes"] = static_cast<double>(processes);
}
BENCHMARK(BM_TreeSampleStatm)->Unit(benchmark::kMicrosecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_PsRss(benchmark::State& state) {
  auto& tree = browser().session->process_tree();
  std::string command = "ps -o rss= -p ";
  std::size_t processes = 0;
  for (const auto& r : tree.read()) {
    command += std::to_string(r.pid) + ",";
    ++processes;
  }
  command.pop_back();
  for (auto _ : state) {
    FILE* pipe = ::popen(command.c_str(), "r");
    char buffer[4096];
    std::size_t total = 0;
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) total += n;
    ::pclose(pipe);
    benchmark::DoNotOptimize(total);
  }
  state.counters["processes"] = static_cast<double>(processes);
}
BENCHMARK(BM_PsRss)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_TreeDetailedSmapsRollup(benchmark::State& state) {
  auto& tree = browser().session->process_tree();
  for (auto _ : state) {
    auto detailed = tree.read_detailed();
    benchmark::DoNotOptimize(detailed);
  }
}
BENCHMARK(BM_TreeDetailedSmapsRollup)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
