#include "harness/run/dump_worker.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "harness/model/units.hpp"

namespace harness {

using nlohmann::json;

namespace {
std::uint64_t free_disk_bytes(const std::filesystem::path& dir) {
  std::error_code ec;
  const auto space = std::filesystem::space(dir, ec);
  return ec ? 0 : space.available;
}
}  // namespace

DumpWorker::DumpWorker(DumpPolicy policy, std::filesystem::path run_dir, Hooks hooks)
    : policy_(std::move(policy)),
      run_dir_(std::move(run_dir)),
      hooks_(std::move(hooks)),
      rules_(policy_.rules) {
  if (!hooks_.free_bytes) hooks_.free_bytes = free_disk_bytes;
}

DumpWorker::~DumpWorker() { stop(); }

void DumpWorker::start() {
  if (rules_.empty() || thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { loop(); });
}

void DumpWorker::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void DumpWorker::observe(const SampleBatch& batch, double renderer_private) {
  if (rules_.empty()) return;
  // Chromium renderers reserve ~1.45 TB (VmSize), so "virtual" is their VmData: committed and
  // reserved private memory, the closest analogue of Windows' virtual bytes.
  double data = 0;
  if (rules_.uses("virtual")) {
    for (const auto& p : batch.processes) {
      if (!is_page_renderer(p)) continue;
      if (auto status = hooks_.status(p.pid)) data += static_cast<double>(status->data_bytes);
    }
  }
  if (arm_due_.exchange(false)) arm(batch, renderer_private, data);
  std::vector<DumpTrigger> triggers = rules_.observe("private", renderer_private);
  if (rules_.uses("virtual")) {
    for (auto& t : rules_.observe("virtual", data)) triggers.push_back(t);
  }
  if (triggers.empty()) return;
  {
    std::lock_guard lock(mutex_);
    for (auto& t : triggers) queue_.push_back({t, batch.t_ms, batch.iteration});
  }
  cv_.notify_all();
}

// Relative rules (start: +64MiB) count from the first sample after the baseline checkpoint.
void DumpWorker::arm(const SampleBatch& batch, double private_bytes, double data) {
  std::string text;
  for (const auto& [metric, value] : {std::pair<std::string, double>{"private", private_bytes},
                                      std::pair<std::string, double>{"virtual", data}}) {
    if (!rules_.waiting_for_baseline(metric)) continue;
    rules_.set_baseline(metric, value);
    text += fmt::format("{}{} baseline {}", text.empty() ? "" : "; ", metric, format_bytes(value));
  }
  if (text.empty()) return;
  json thresholds = json::array();
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const DumpRule& rule = rules_.rule(i);
    if (!rule.relative) continue;
    thresholds.push_back({{"rule", i + 1},
                          {"metric", rule.metric},
                          {"first_threshold_bytes", rules_.first_threshold(i).value_or(0)},
                          {"step_bytes", rule.step_bytes},
                          {"max", rule.max}});
  }
  hooks_.event(EventRecord{batch.t_ms, batch.iteration, "dump_rules_armed",
                           "relative dump rules count from " + text,
                           {{"baseline_private_bytes", private_bytes},
                            {"baseline_virtual_bytes", data},
                            {"rules", thresholds}}});
}

void DumpWorker::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and every queued dump taken
    Request request = queue_.front();
    queue_.pop_front();
    lock.unlock();
    take(request);
    lock.lock();
  }
}

void DumpWorker::take(const Request& r) {
  const auto folder = run_dir_ / "dumps";
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  const std::string& metric = policy_.rules[r.trigger.rule].metric;
  // A DevTools heap snapshot runs 2–4× the JS heap, which the renderer's private memory bounds;
  // a full-memory minidump is about the process's committed memory, also below that.
  const double estimate = std::max(64.0 * 1048576, 3 * r.trigger.value);
  const std::uint64_t free = hooks_.free_bytes(folder);
  if (static_cast<double>(free) < estimate + static_cast<double>(kDiskReserveBytes)) {
    hooks_.event(EventRecord{
        hooks_.now_ms(), r.iteration, "dump_refused",
        fmt::format("{}: a heap snapshot of ~{} would leave less than {} free on the results "
                    "disk ({} free); free space or move --out",
                    r.trigger.describe, format_bytes(estimate),
                    format_bytes(static_cast<double>(kDiskReserveBytes)),
                    format_bytes(static_cast<double>(free))),
        {{"free_bytes", free}, {"estimate_bytes", estimate}}});
    return;
  }
  const std::string name =
      fmt::format("{}-rule{}-{:02d}-{}-{:.0f}MiB{}", hooks_.kind == "minidump" ? "dump" : "heap",
                  r.trigger.rule + 1, r.trigger.number, metric, r.trigger.value / 1048576.0,
                  hooks_.extension);
  try {
    const std::uint64_t size = hooks_.write_snapshot(folder / name);
    DumpRecord record{r.t_ms, r.iteration, hooks_.kind, r.trigger.describe, metric,
                      r.trigger.value, "dumps/" + name, size};
    hooks_.dump(record);
    hooks_.event(EventRecord{hooks_.now_ms(), r.iteration, "dump_written",
                             fmt::format("{}: {} ({})", r.trigger.describe, record.file,
                                         format_bytes(static_cast<double>(size))),
                             json::object()});
  } catch (const std::exception& e) {
    hooks_.event(EventRecord{hooks_.now_ms(), r.iteration, "dump_failed",
                             fmt::format("{}: {}", r.trigger.describe, e.what()), json::object()});
  }
}

}  // namespace harness
