#include "harness/cli/console.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "harness/attribute/attribution.hpp"
#include "harness/model/units.hpp"
#include "harness/model/variant.hpp"

namespace harness {

namespace {

class ConsoleSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit ConsoleSink(Console& console) : console_(console) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string text = fmt::format("harness: {}{}",
                                   msg.level >= spdlog::level::warn
                                       ? std::string(spdlog::level::to_string_view(msg.level).data(),
                                                     spdlog::level::to_string_view(msg.level).size()) +
                                             ": "
                                       : std::string(),
                                   std::string(msg.payload.data(), msg.payload.size()));
    console_.write_line(text);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  Console& console_;
};

std::string elapsed(std::chrono::steady_clock::duration d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  return fmt::format("{:02}:{:02}", s / 60, s % 60);
}

std::string run_label(const RunPlan& plan, const RunInfo& info) {
  std::string label = fmt::format("[{}/{}] {} {}", plan.index, plan.total, info.scenario,
                                  info.browser);
  if (!info.variant.empty()) label += " " + variant_label(info.variant, " ");
  return label;
}

}  // namespace

Console::Console(bool interactive) : interactive_(interactive) {}

Console::~Console() {
  std::lock_guard lock(mutex_);
  clear_progress_locked();
}

void Console::install_logger(bool verbose) {
  auto logger = std::make_shared<spdlog::logger>("harness", std::make_shared<ConsoleSink>(*this));
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void Console::clear_progress_locked() {
  if (interactive_ && !progress_.empty()) std::fputs("\r\033[K", stderr);
}

void Console::draw_progress_locked() {
  if (interactive_ && !progress_.empty()) {
    std::fputs(progress_.c_str(), stderr);
    std::fflush(stderr);
  }
}

void Console::write_line(const std::string& line) {
  std::lock_guard lock(mutex_);
  clear_progress_locked();
  std::fputs(line.c_str(), stderr);
  std::fputc('\n', stderr);
  draw_progress_locked();
}

void Console::print(const std::string& text) {
  std::lock_guard lock(mutex_);
  clear_progress_locked();
  std::fputs(text.c_str(), stderr);
  draw_progress_locked();
}

void Console::set_progress(std::string text) {
  if (!interactive_) return;
  std::lock_guard lock(mutex_);
  clear_progress_locked();
  progress_ = std::move(text);
  draw_progress_locked();
}

void Console::print_configuration(const std::vector<ConfigRow>& rows) {
  std::size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.key.size());
  std::string text;
  for (const auto& row : rows) {
    text += fmt::format("  {:<{}}  {}{}\n", row.key, width, row.value,
                        row.is_default ? "  (default)" : "");
  }
  print(text);
}

void Console::begin_matrix(int cells) {
  matrix_cells_ = cells;
  cells_done_ = 0;
  matrix_started_ = std::chrono::steady_clock::now();
}

void Console::run_started(const RunPlan& plan, const RunInfo& info) {
  run_started_ = std::chrono::steady_clock::now();
  write_line(fmt::format("{}: run {}", run_label(plan, info), info.id));
}

void Console::phase(const RunPlan& plan, const RunInfo& info, const std::string& what) {
  if (interactive_) {
    set_progress(fmt::format("{}  {}  {}", run_label(plan, info), what,
                             elapsed(std::chrono::steady_clock::now() - run_started_)));
  }
}

void Console::iteration_done(const RunPlan& plan, const RunInfo& info, int iteration,
                             std::optional<double> renderer_private_bytes) {
  if (!interactive_) return;
  const auto now = std::chrono::steady_clock::now();
  std::string estimate;
  if (matrix_cells_ > 0 && plan.iterations > 0) {
    // Cells done plus this one's share, against the time the matrix has taken so far.
    const double done = cells_done_ + static_cast<double>(iteration) / plan.iterations;
    const auto spent = now - matrix_started_;
    if (done > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          spent * ((matrix_cells_ - done) / done));
      estimate = fmt::format("  matrix {} elapsed, ~{} left", elapsed(spent), elapsed(left));
    }
  }
  set_progress(fmt::format("{}  iteration {}/{}  renderer {}  {}{}", run_label(plan, info),
                           iteration, plan.iterations,
                           renderer_private_bytes ? format_bytes(*renderer_private_bytes) : "?",
                           elapsed(now - run_started_), estimate));
}

void Console::checkpoint_done(const RunPlan& plan, const RunInfo& info,
                              const CheckpointRecord& record) {
  auto value = [&](const char* name) {
    auto it = record.metrics.find(name);
    return it == record.metrics.end() ? std::string("?") : format_bytes(it->second);
  };
  auto count = [&](const char* name) {
    auto it = record.metrics.find(name);
    return it == record.metrics.end() ? std::string("?") : fmt::format("{:.0f}", it->second);
  };
  const std::string text =
      fmt::format("{}: checkpoint {:>4}/{}  renderer {}  js heap {}  nodes {}  documents {}",
                  run_label(plan, info), record.iteration, plan.iterations,
                  value(metric::kRendererPrivate), value(metric::kJsHeapUsed),
                  count(metric::kNodes), count(metric::kDocuments));
  if (interactive_) set_progress(text);
  else write_line(text);
}

void Console::run_finished(const RunPlan& plan, const RunSummary& summary) {
  ++cells_done_;
  {
    std::lock_guard lock(mutex_);
    clear_progress_locked();
    progress_.clear();
  }
  const RunInfo& info = summary.info;
  write_line(fmt::format("{}: {} ({}); results in {}", run_label(plan, info),
                         status_name(info.status), info.reason, info.results_dir));
  if (summary.verdict) {
    write_line(fmt::format("{}: verdict {}: {}", run_label(plan, info),
                           verdict_name(summary.verdict->kind), summary.verdict->reason));
  }
  if (summary.attribution) {
    for (const auto& line : attribution_console_lines(*summary.attribution)) {
      write_line(fmt::format("{}: {}", run_label(plan, info), line));
    }
  }
  if (summary.projection) {
    const Projection& p = *summary.projection;
    const std::string basis =
        p.trend_metric.empty()
            ? p.metric
            : fmt::format("{} ({} + {} headroom)", p.metric, p.trend_metric,
                          format_bytes(p.headroom_bytes));
    write_line(fmt::format("{}: projection: {} reaches the ceiling of {} at iteration {:.0f} "
                           "(95 % CI {} to {}), about {:.0f} s into the run",
                           run_label(plan, info), basis, format_bytes(p.ceiling_bytes),
                           p.iteration,
                           p.iteration_earliest ? fmt::format("{:.0f}", *p.iteration_earliest) : "?",
                           p.iteration_latest ? fmt::format("{:.0f}", *p.iteration_latest) : "never",
                           p.seconds));
  }
  for (const auto& failure : summary.expectations.failures) {
    write_line(fmt::format("{}: expectation failed: {}", run_label(plan, info), failure));
  }
}

}  // namespace harness
