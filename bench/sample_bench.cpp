// What the sampler costs per tick on a real Chromium: one cheap reading of the whole process
// tree (kept-open /proc/PID/statm descriptors), also when a thread was started before it and
// at the sampler's 10 Hz, the tree's rescans, against `ps -o rss= -p <the same PIDs>`, and the
// checkpoint-only detailed reading (smaps_rollup).
//
//   build/bench/sample_bench                    (starts Chromium via chromedriver itself)
//   build/bench/sample_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//   build/bench/sample_bench --root=PID [--marker=TEXT]
//       samples the running tree under PID (and the processes whose command line contains
//       TEXT) instead of starting a browser; bench/sample_compare.py uses it to set the
//       harness against psutil on one and the same Chromium.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/browser/chromium.hpp"
#include "harness/browser/chromium_processes.hpp"
#include "harness/sample/sampler.hpp"
#include "harness/serve/page_server.hpp"

namespace {

struct Target {
  std::optional<harness::Pid> root;  // --root: sample this running tree
  std::string marker;                // --marker
};
Target g_target;

// Either a browser of its own, or the tree of a running one (--root).
struct Browser {
  std::unique_ptr<harness::PageServer> server;
  std::unique_ptr<harness::BrowserSession> session;
  std::unique_ptr<harness::ProcessTree> external;
  std::filesystem::path run_dir;

  Browser() {
    if (g_target.root) {
      external = std::make_unique<harness::ProcessTree>(harness::ProcessTreeOptions{
          {*g_target.root}, harness::classify_chromium, g_target.marker});
      external->refresh(true);
      settle();
      std::string pids;
      for (const auto& r : external->read()) pids += " " + std::to_string(r.pid);
      std::fprintf(stderr, "sample_bench: the tree of %d:%s\n", static_cast<int>(*g_target.root),
                   pids.c_str());
      return;
    }
    run_dir = std::filesystem::temp_directory_path() / "harness-sample-bench";
    std::filesystem::create_directories(run_dir);
    server = std::make_unique<harness::PageServer>(std::filesystem::path(HARNESS_SOURCE_DIR) /
                                                   "pages");
    harness::LaunchOptions options;
    options.run_dir = run_dir;
    session = harness::ChromiumProfile().launch(options);
    session->driver().navigate(server->base_url() + "vtm-review/index.html");
    session->process_tree().refresh(true);
    settle();
  }
  // The steady tick: a member found less than 2 s ago has its command line read again on every
  // refresh (it may not have exec'd yet); a fresh tree would be measured young.
  static void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(2500)); }
  ~Browser() {
    if (session) session->end();
    if (!run_dir.empty()) std::filesystem::remove_all(run_dir);
  }
  harness::ProcessSource& tree() { return external ? *external : session->process_tree(); }
  // The tree's root: --root, or the oldest member (the driver started all the others).
  harness::Pid root() {
    if (g_target.root) return *g_target.root;
    const auto seen = tree().seen();
    if (seen.empty()) return 0;
    const auto oldest = std::min_element(
        seen.begin(), seen.end(),
        [](const auto& a, const auto& b) { return a.start_ticks < b.start_ticks; });
    return oldest->pid;
  }
};

Browser& browser() {
  static Browser instance;
  return instance;
}

void BM_TreeSampleStatm(benchmark::State& state) {
  auto& tree = browser().tree();
  std::size_t processes = 0;
  for (auto _ : state) {
    auto batch = harness::Sampler::take(tree, 0, 0);
    processes = batch.processes.size();
    benchmark::DoNotOptimize(batch);
  }
  state.counters["processes"] = static_cast<double>(processes);
}
BENCHMARK(BM_TreeSampleStatm)->Unit(benchmark::kMicrosecond)->MeasureProcessCPUTime()->UseRealTime();

// The same tick with a thread started before each, as Chromium and the rest of the machine do
// all the time: every new thread moves /proc/loadavg's last PID, the sampler's sign that
// something may have been born, so each of these ticks looks for new members.
void BM_TreeSampleStatmAfterNewThread(benchmark::State& state) {
  auto& tree = browser().tree();
  std::size_t processes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::thread([] {}).join();
    state.ResumeTiming();
    auto batch = harness::Sampler::take(tree, 0, 0);
    processes = batch.processes.size();
    benchmark::DoNotOptimize(batch);
  }
  state.counters["processes"] = static_cast<double>(processes);
}
BENCHMARK(BM_TreeSampleStatmAfterNewThread)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Ticks as the sampler thread takes them, every 100 ms, so that the unforced rescans (at most
// one a second, and only when a PID was handed out meanwhile) and cold caches are in the
// average. ~10 s.
// The counters split a tick into Sampler::take's two calls.
void BM_SamplerTicksEvery100ms(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  auto& tree = browser().tree();
  double refresh_s = 0, read_s = 0;
  for (auto _ : state) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto start = Clock::now();
    tree.refresh();
    const auto refreshed = Clock::now();
    auto readings = tree.read();
    const auto end = Clock::now();
    benchmark::DoNotOptimize(readings);
    refresh_s += std::chrono::duration<double>(refreshed - start).count();
    read_s += std::chrono::duration<double>(end - refreshed).count();
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());
  }
  const double ticks = static_cast<double>(state.iterations());
  state.counters["refresh_us"] = refresh_s / ticks * 1e6;
  state.counters["read_us"] = read_s / ticks * 1e6;
}
BENCHMARK(BM_SamplerTicksEvery100ms)
    ->Iterations(100)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// An unforced rescan: readdir(/proc) and the stat of only the processes new since the last one
// (process_tree_linux.cpp). A second tree over the same root rescans on every refresh here; a
// thread started between two keeps a new PID coming, as on a busy machine.
void BM_TreeRescanUnforced(benchmark::State& state) {
  harness::ProcessTreeOptions options{
      {browser().root()}, harness::classify_chromium, g_target.marker};
  options.rescan_interval = std::chrono::milliseconds(0);
  harness::ProcessTree tree(std::move(options));
  tree.refresh(true);
  Browser::settle();
  for (auto _ : state) {
    state.PauseTiming();
    std::thread([] {}).join();
    state.ResumeTiming();
    tree.refresh();
  }
}
BENCHMARK(BM_TreeRescanUnforced)->Unit(benchmark::kMicrosecond)->UseRealTime();

// A forced refresh (launch, every checkpoint, end): readdir(/proc) and every process's stat,
// then one reading.
void BM_TreeFullRescan(benchmark::State& state) {
  auto& tree = browser().tree();
  for (auto _ : state) {
    tree.refresh(true);
    auto readings = tree.read();
    benchmark::DoNotOptimize(readings);
  }
}
BENCHMARK(BM_TreeFullRescan)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_PsRss(benchmark::State& state) {
  auto& tree = browser().tree();
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
  auto& tree = browser().tree();
  for (auto _ : state) {
    auto detailed = tree.read_detailed();
    benchmark::DoNotOptimize(detailed);
  }
}
BENCHMARK(BM_TreeDetailedSmapsRollup)->Unit(benchmark::kMillisecond)->UseRealTime();

// Takes --root=PID and --marker=TEXT out of argv; the rest is Google Benchmark's.
bool take_target_args(int& argc, char** argv) {
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.rfind("--root=", 0) == 0) {
      harness::Pid pid = 0;
      const std::string_view value = arg.substr(7);
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), pid);
      if (ec != std::errc() || end != value.data() + value.size() || pid <= 0) {
        std::fprintf(stderr, "sample_bench: --root wants a PID, got '%s'\n", argv[i]);
        return false;
      }
      g_target.root = pid;
    } else if (arg.rfind("--marker=", 0) == 0) {
      g_target.marker = std::string(arg.substr(9));
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!take_target_args(argc, argv)) return 2;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
