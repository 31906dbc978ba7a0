// Runs whose harness died before it could finish them (killed, out of memory, power cut): their
// processes are ended and profiles removed through the cleanup journal
// (platform/cleanup_journal.hpp); this closes their records — `interrupted` in the store and in
// summary.json, so `harness report` draws what was measured — and tells the user.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "harness/platform/cleanup_journal.hpp"

namespace harness {

// Marks one reaped run interrupted (store and summary.json, when still `running`) and returns
// the sentence that reports it. `who` says who cleaned up: "its watcher", "this harness".
std::string close_interrupted_run(const ReapedRun& run, const std::string& who);

// The watcher's part (harness __watch): reap the journals of `owner`, close their runs, and
// leave each report as a note in the journal folder for the next harness to print.
void reap_for_watcher(const std::filesystem::path& journal_dir, const ProcessIdentity& owner);

// The next harness's part (run, matrix, doctor): prints the notes watchers left, reaps
// journals whose owner is gone and no watcher handled, closes their runs, and prints those too.
// Returns how many interrupted runs were reported.
std::size_t recover_abandoned_runs(const std::filesystem::path& journal_dir, std::ostream& err);

}  // namespace harness
