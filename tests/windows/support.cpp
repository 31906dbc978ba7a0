#include "tests/windows/support.hpp"

#include <fmt/format.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "harness/browser/ie.hpp"
#include "harness/platform/windows/memory_windows.hpp"
#include "harness/platform/windows/process_exit_windows.hpp"
#include "harness/run/checkpoint_metrics.hpp"
#include "harness/sample/sampler.hpp"
#include "harness/platform/windows_unicode.hpp"

namespace harness::testing {

std::filesystem::path own_dir() {
  wchar_t buffer[MAX_PATH * 4];
  const DWORD n = ::GetModuleFileNameW(nullptr, buffer, MAX_PATH * 4);
  return std::filesystem::path(std::wstring(buffer, n)).parent_path();
}

int own_bits() { return static_cast<int>(sizeof(void*) * 8); }

std::filesystem::path tools_dir(int bits) {
  if (bits == own_bits()) return own_dir();
  const wchar_t* var = bits == 32 ? L"HARNESS_IETAB_X86_DIR" : L"HARNESS_IETAB_X64_DIR";
  wchar_t buffer[MAX_PATH * 4];
  const DWORD n = ::GetEnvironmentVariableW(var, buffer, MAX_PATH * 4);
  if (n == 0 || n >= MAX_PATH * 4) return {};
  std::filesystem::path dir(std::wstring(buffer, n));
  return std::filesystem::exists(dir / "iexplore.exe") ? dir : std::filesystem::path();
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("harness-wintest-{}-{}", name, ::GetCurrentProcessId());
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir);
  return dir;
}

bool eventually(const std::function<bool()>& predicate, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return predicate();
}

Finished run_to_end(const std::filesystem::path& program, const std::vector<std::string>& args,
                    std::chrono::milliseconds limit) {
  static std::atomic<int> counter{0};
  const auto dir = fresh_dir("run" + std::to_string(counter++));
  LaunchSpec spec;
  spec.executable = program;
  spec.args = args;
  spec.stdout_file = dir / "out.txt";
  spec.stderr_file = dir / "out.txt";
  auto child = ChildProcess::launch(spec);
  Finished f;
  eventually([&] { return child->poll_exit().has_value(); }, limit);
  child->end_group(std::chrono::milliseconds(0));
  f.exit_code = child->poll_exit().value_or(-1);
  f.output = read_text(dir / "out.txt");
  return f;
}

std::optional<int> reported_death_iteration(const std::string& output) {
  static const std::regex kDied(R"(died iteration ([0-9]+):)");
  std::smatch m;
  if (!std::regex_search(output, m, kDied)) return std::nullopt;
  return std::stoi(m[1]);
}

std::optional<double> reported_value(const std::string& output, int iteration,
                                     const std::string& key) {
  const std::regex line(fmt::format(R"(iteration {} [^\n]*\b{}=([0-9.]+))", iteration, key));
  std::smatch m;
  if (!std::regex_search(output, m, line)) return std::nullopt;
  return std::stod(m[1]);
}

namespace {

class Event {
 public:
  explicit Event(const std::wstring& name) : h_(::CreateEventW(nullptr, FALSE, FALSE, name.c_str())) {}
  ~Event() { ::CloseHandle(h_); }
  HANDLE get() const { return h_; }

 private:
  HANDLE h_;
};

}  // namespace

TabRun run_synthetic_tab(const TabRunOptions& o) {
  static std::atomic<int> counter{0};
  const int n = counter++;
  const std::wstring step_name = to_wide(fmt::format("Local\\ietab-step-{}-{}", ::GetCurrentProcessId(), n));
  const std::wstring done_name = to_wide(fmt::format("Local\\ietab-done-{}-{}", ::GetCurrentProcessId(), n));
  Event step(step_name), done(done_name);
  const auto dir = fresh_dir("tab" + std::to_string(n));

  LaunchSpec spec;
  spec.executable = o.frame_exe;
  spec.args = {"--tab", o.tab_exe.string(), "--"};
  spec.args.insert(spec.args.end(), o.tab_args.begin(), o.tab_args.end());
  for (const auto& a : {std::string("--step-event"), from_wide(step_name), std::string("--done-event"),
                        from_wide(done_name)}) {
    spec.args.push_back(a);
  }
  spec.stdout_file = dir / "ietab.txt";
  spec.stderr_file = dir / "ietab.txt";
  auto frame = ChildProcess::launch(spec);

  TabRun run;
  const IeProfileSpec& profile = *find_ie_profile(o.profile);
  ProcessTree tree(ie_process_tree_options(profile, {frame->pid()}));
  // The tab appears once the frame has started it.
  Pid tab_pid = 0;
  eventually([&] {
    tree.refresh(true);
    for (const auto& r : tree.read()) {
      if (r.role == ProcessRole::kRenderer) tab_pid = r.pid;
      if (r.role == ProcessRole::kBrowser) run.frame_class = {r.role, r.subtype};
      if (r.role == ProcessRole::kRenderer) run.tab_class = {r.role, r.subtype};
    }
    return tab_pid != 0;
  });
  if (!tab_pid) {
    run.output = read_text(dir / "ietab.txt");
    return run;
  }
  run.frame = frame->identity();
  run.tab = tree.identity_of(tab_pid).value_or(ProcessIdentity{});
  ProcessExitWatcher watcher;
  watcher.watch(run.tab, ProcessRole::kRenderer, "tab");
  if (HANDLE h = ::OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE,
                               static_cast<DWORD>(tab_pid))) {
    run.tab_cmdline = read_command_line(h);
    ::CloseHandle(h);
  }

  // The sampler at 10 Hz with the runner's ceiling rule, as harness run does.
  std::atomic<int> iteration{0};
  std::mutex samples_mutex;
  const auto t0 = std::chrono::steady_clock::now();
  {
    Sampler sampler(
        tree, std::chrono::milliseconds(100),
        SamplerClock{[&] {
                       return std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - t0)
                           .count();
                     },
                     [&] { return iteration.load(); }},
        [&](const SampleBatch& batch) {
          std::lock_guard lock(samples_mutex);
          run.samples.push_back(batch);
          if (o.ceiling_bytes && !run.sampled_ceiling_iteration &&
              renderer_private_bytes(batch.processes) > static_cast<double>(*o.ceiling_bytes)) {
            run.sampled_ceiling_iteration = batch.iteration;
          }
        });
    HANDLE tab_handle = watcher.handle_of(run.tab);
    for (int i = 1; i <= o.max_iterations; ++i) {
      iteration = i;
      ::SetEvent(step.get());
      HANDLE waits[2] = {done.get(), tab_handle};
      const DWORD w = ::WaitForMultipleObjects(2, waits, FALSE, 120'000);
      if (w != WAIT_OBJECT_0) {
        // The tab ended (or hung for two minutes) during iteration i.
        for (const auto& e : watcher.poll()) {
          run.exit_code = e.exit_code;
          run.crashed = e.crashed;
          run.crash_iteration = i;
        }
        break;
      }
      run.iterations_done = i;
      for (const auto& d : tree.read_detailed()) {
        if (d.cheap.pid != tab_pid) continue;
        TabCheckpoint c{i, d.cheap.private_bytes, d.cheap.virtual_bytes, d.largest_free_block_bytes,
                        d.free_bytes, d.is_32bit, d.large_address_aware};
        run.checkpoints.push_back(c);
        if (o.ceiling_bytes && !run.ceiling_iteration && c.private_bytes > *o.ceiling_bytes) {
          run.ceiling_iteration = i;
        }
        if (o.on_checkpoint) o.on_checkpoint(c, run.tab);
      }
    }
  }
  frame->end_group(std::chrono::milliseconds(0));
  run.output = read_text(dir / "ietab.txt");
  return run;
}

}  // namespace harness::testing
