// The cleanup journal: what a run started, written down before it starts, so that nothing is
// left running when the harness itself dies (SIGKILL, OOM killer, a closed terminal).
//
// One JSON file per run in the state folder (cleanup_journal_dir()), rewritten atomically as the
// run learns more: the harness that owns it (PID + start time), the run id, its results folder
// and store, the temporary profiles, and every process it started or saw in its browser's tree
// (PID + start time; the process groups it launched). A run that ends normally removes its file.
// A file whose owner is gone belongs to a killed harness: reap_abandoned_journals() ends what it
// lists by PID + start time (never by name), removes the temporary profiles and returns what it
// found, so the caller can mark the run `interrupted` in the store (run/abandoned_runs.hpp).
//
// Two parties reap: the harness's watcher (a small process the harness starts at the beginning
// of `run`/`matrix`, which notices the harness's death through a pipe and reaps at once), and
// the next `harness run`, `matrix` or `doctor` (for whatever a watcher could not do, e.g. when
// it was killed along with the harness). A journal is claimed by renaming it, so the two never
// reap the same run twice.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "harness/platform/process.hpp"

namespace harness {

// The harness's state folder: $HARNESS_STATE_DIR, else the user's (%LOCALAPPDATA%\browser-harness
// on Windows, $XDG_STATE_HOME/browser-harness or ~/.local/state/browser-harness elsewhere).
std::filesystem::path harness_state_dir();
// Its journal/ (this file's journals) and registry/ (the IE profiles' registry journals).
std::filesystem::path cleanup_journal_dir();
std::filesystem::path registry_journal_dir();

// "PID:START" (the watcher's command line), and back.
std::string identity_argument(const ProcessIdentity& id);
std::optional<ProcessIdentity> parse_identity_argument(const std::string& text);

struct JournalContents {
  ProcessIdentity owner;  // the harness process that wrote it
  std::string run_id;
  std::filesystem::path run_dir;   // results/<run-id>
  std::filesystem::path database;  // results/harness.db
  std::vector<std::filesystem::path> temp_dirs;
  std::vector<ProcessIdentity> groups;     // process groups led by these processes (Linux)
  std::vector<ProcessIdentity> processes;  // every process seen in the run's tree
};

std::string journal_to_json(const JournalContents& contents);
// Throws std::runtime_error on a file that is not a journal.
JournalContents journal_from_json(const std::string& text);

// The journal of one run. Thread-safe: the runner, the browser launcher and the sampler add to
// it. Writes are atomic (temporary file + rename); a failed write is logged, never thrown.
class CleanupJournal {
 public:
  CleanupJournal(std::filesystem::path dir, std::string run_id, std::filesystem::path run_dir,
                 std::filesystem::path database);
  ~CleanupJournal();  // does not remove the file: finish() does, once everything is cleaned
  CleanupJournal(const CleanupJournal&) = delete;
  CleanupJournal& operator=(const CleanupJournal&) = delete;

  void add_temp_dir(const std::filesystem::path& dir);
  void add_group(const ProcessIdentity& leader);
  // Adds the processes not yet listed; writes only when something was new.
  void add_processes(const std::vector<ProcessIdentity>& processes);
  // The run cleaned up after itself: the file goes.
  void finish();
  const std::filesystem::path& file() const { return file_; }

 private:
  void write_locked();
  std::mutex mutex_;
  std::filesystem::path file_;
  JournalContents contents_;
  bool finished_ = false;
};

// What reaping one abandoned journal did.
struct ReapedRun {
  JournalContents journal;
  std::size_t processes_ended = 0;  // alive when found, ended by PID + start time
  std::vector<ProcessIdentity> survivors;
  std::vector<std::filesystem::path> temp_dirs_removed;
  std::vector<std::filesystem::path> temp_dirs_left;
  std::filesystem::path claimed_file;  // the journal, renamed while it is being reaped
};

// Reaps the journals in `dir` whose owner is no longer alive (or, with `owner`, only that
// owner's, alive or not: the watcher reaps its own harness's). Unreadable journals are moved
// aside as *.bad and skipped. Each reaped journal stays claimed (renamed) until
// release_reaped(), so the caller can record the run's end first.
std::vector<ReapedRun> reap_abandoned_journals(const std::filesystem::path& dir,
                                               std::optional<ProcessIdentity> owner = {});
void release_reaped(const ReapedRun& run);

}  // namespace harness
