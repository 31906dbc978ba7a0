// Human output on stderr: the effective configuration first, then a progress line when stderr
// is a terminal (plain log lines otherwise), a summary table at the end. Data never goes here.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "harness/run/runner.hpp"

namespace harness {

struct ConfigRow {
  std::string key;
  std::string value;
  bool is_default = false;
};

class Console final : public RunObserver {
 public:
  // `interactive`: redraw one progress line in place (stderr is a terminal).
  explicit Console(bool interactive);
  ~Console() override;

  // Routes spdlog through this console so log lines never tear the progress line.
  void install_logger(bool verbose);

  void print_configuration(const std::vector<ConfigRow>& rows);
  // A matrix of `cells` runs follows: the progress line then shows an estimate of the time left.
  void begin_matrix(int cells);
  void print(const std::string& text);  // a block of text, progress line kept intact

  void run_started(const RunPlan& plan, const RunInfo& info) override;
  void phase(const RunPlan& plan, const RunInfo& info, const std::string& what) override;
  void iteration_done(const RunPlan& plan, const RunInfo& info, int iteration,
                      std::optional<double> renderer_private_bytes) override;
  void checkpoint_done(const RunPlan& plan, const RunInfo& info,
                       const CheckpointRecord& record) override;
  void run_finished(const RunPlan& plan, const RunSummary& summary) override;

  // Used by the log sink.
  void write_line(const std::string& line);

 private:
  void set_progress(std::string text);
  void clear_progress_locked();
  void draw_progress_locked();

  bool interactive_;
  std::mutex mutex_;
  std::string progress_;
  std::chrono::steady_clock::time_point run_started_;
  std::chrono::steady_clock::time_point matrix_started_;
  int matrix_cells_ = 0;
  int cells_done_ = 0;
};

}  // namespace harness
