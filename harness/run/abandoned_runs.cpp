#include "harness/run/abandoned_runs.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "harness/model/time.hpp"
#include "harness/platform/atomic_file.hpp"
#include "harness/run/runner.hpp"
#include "harness/store/store.hpp"

namespace harness {

using nlohmann::json;

namespace {

constexpr const char* kNoteExtension = ".interrupted";

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// summary.json as the dead harness last wrote it, closed the same way as the store.
std::string close_summary(const std::filesystem::path& file, const std::string& reason,
                          const std::string& ended_at, const Store::LastHeard& last) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return {};
  json summary;
  try {
    summary = json::parse(read_text(file));
  } catch (const json::exception& e) {
    spdlog::warn("{} is unreadable ({}); left as it is", file.string(), e.what());
    return {};
  }
  if (summary.value("status", "") != "running") return {};
  summary["status"] = "interrupted";
  summary["reason"] = reason;
  summary["ended_at"] = ended_at;
  summary["iterations_completed"] =
      std::max(summary.value("iterations_completed", 0), last.iterations_completed);
  if (!summary.contains("events") || !summary["events"].is_array()) summary["events"] = json::array();
  summary["events"].push_back({{"t_ms", last.t_ms},
                               {"iteration", last.iterations_completed},
                               {"kind", "interrupted"},
                               {"message", reason},
                               {"details", json::object()}});
  const std::string text = summary.dump(2) + "\n";
  if (auto error = write_atomically(file, text)) {
    spdlog::warn("cannot rewrite {}: {}", file.string(), *error);
    return {};
  }
  return text;
}

std::string join_paths(const std::vector<std::filesystem::path>& paths) {
  std::string out;
  for (const auto& p : paths) out += (out.empty() ? "" : ", ") + p.string();
  return out;
}

}  // namespace

std::string close_interrupted_run(const ReapedRun& run, const std::string& who) {
  const JournalContents& j = run.journal;
  std::string cleaned = fmt::format("{} ended {} process(es) it had left running", who,
                                    run.processes_ended);
  if (!run.temp_dirs_removed.empty()) {
    cleaned += fmt::format(" and removed {}", join_paths(run.temp_dirs_removed));
  }
  if (!run.survivors.empty()) {
    std::vector<Pid> pids;
    for (const auto& s : run.survivors) pids.push_back(s.pid);
    cleaned += fmt::format("; still alive: PID {}", fmt::join(pids, ", "));
  }
  if (!run.temp_dirs_left.empty()) {
    cleaned += fmt::format("; could not remove {}", join_paths(run.temp_dirs_left));
  }
  std::string marked = "its store was not found";
  std::error_code ec;
  if (!j.database.empty() && std::filesystem::exists(j.database, ec)) {
    try {
      Store store(j.database);
      const Store::LastHeard last = store.last_heard(j.run_id);
      const std::string reason = fmt::format(
          "the harness (PID {}) ended without finishing the run, after {} measured iteration(s); "
          "{}",
          j.owner.pid, last.iterations_completed, cleaned);
      const std::string ended_at = utc_iso8601(std::chrono::system_clock::now());
      const bool closed = store.mark_interrupted(j.run_id, reason, ended_at);
      const std::string summary = close_summary(j.run_dir / "summary.json", reason, ended_at, last);
      if (!summary.empty()) store.set_run_summary(j.run_id, summary);
      marked = closed ? fmt::format("marked interrupted after {} iteration(s) in {}",
                                    last.iterations_completed, j.database.string())
                      : fmt::format("already closed in {}", j.database.string());
    } catch (const std::exception& e) {
      marked = fmt::format("its store {} could not be updated: {}", j.database.string(), e.what());
    }
  }
  return fmt::format("run {} was interrupted (its harness, PID {}, was killed or died): {}; {}",
                     j.run_id, j.owner.pid, cleaned, marked);
}

void reap_for_watcher(const std::filesystem::path& journal_dir, const ProcessIdentity& owner) {
  for (const auto& run : reap_abandoned_journals(journal_dir, owner)) {
    const std::string message = close_interrupted_run(run, "its watcher");
    if (auto error = write_atomically(journal_dir / (run.journal.run_id + kNoteExtension),
                                      message + "\n")) {
      spdlog::warn("the interrupted run's note is lost: {}", *error);
    }
    release_reaped(run);
  }
}

std::size_t recover_abandoned_runs(const std::filesystem::path& journal_dir, std::ostream& err) {
  std::size_t reported = 0;
  std::error_code ec;
  if (!std::filesystem::is_directory(journal_dir, ec)) return 0;
  std::vector<std::filesystem::path> notes;
  for (const auto& entry : std::filesystem::directory_iterator(journal_dir, ec)) {
    if (entry.path().extension() == kNoteExtension) notes.push_back(entry.path());
  }
  std::sort(notes.begin(), notes.end());
  for (const auto& note : notes) {
    // Claimed by renaming, like the journals: two harnesses starting together print it once.
    const auto claimed = note.string() + fmt::format(".printing-{}", current_process_id());
    std::filesystem::rename(note, claimed, ec);
    if (ec) continue;
    std::string text = read_text(claimed);
    std::erase(text, '\r');  // a note written on Windows in text mode
    while (!text.empty() && text.back() == '\n') text.pop_back();
    err << "harness: " << text << "\n";
    std::filesystem::remove(claimed, ec);
    ++reported;
  }
  for (const auto& run : reap_abandoned_journals(journal_dir)) {
    err << "harness: " << close_interrupted_run(run, "this harness") << "\n";
    release_reaped(run);
    ++reported;
  }
  return reported;
}

}  // namespace harness
