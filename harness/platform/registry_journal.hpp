// Crash-proof apply/restore of registry values (reference ie11-windows.md §3.4; DESIGN.md §3).
//
// Before a value is changed its original (type and bytes, or its absence, and which keys did not
// exist) is appended to a journal file and flushed to disk; only then is the value written. At
// the end of the run the changes are undone in reverse order. A harness killed mid-run leaves
// the journal behind: the next start (restore_stale_journals) or `harness doctor --restore`
// (restore_pending_journal) puts every value back, including deleting values and keys that did
// not exist before. Restoring is idempotent; a finished journal is renamed to *.done.
//
// Format: JSON lines, UTF-8. Line 1 is the header {"journal", "version", "run_id", "owner":
// {"pid", "start_ticks"}, "started_utc", "mode"}; then per change {"seq", "state":"pending",
// "hive", "view", "key", "value", "original": null | {"type", "data_hex"}, "created_keys",
// "desired", "purpose"}, followed by {"seq", "state":"applied"} once written and
// {"seq", "state":"restored"} once undone; {"state":"done"} closes it. A torn last line (a kill
// while writing it) is ignored: the change it announced was not made yet.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/platform/process.hpp"
#include "harness/platform/registry.hpp"

namespace harness {

struct RegistryChange {
  RegistryKey key;
  std::string value_name;
  std::optional<RegistryValue> desired;  // nullopt: the value must not exist (deleted)
  std::string purpose;                   // for the journal and messages ("TabProcGrowth=0: ...")
};

struct JournalHeader {
  std::string run_id;
  ProcessIdentity owner;  // the harness that applies; its death makes the journal stale
  std::string started_utc;
  std::string mode;       // the browser profile, e.g. "ie11-x64"
};

struct JournalEntry {
  int seq = 0;
  RegistryKey key;
  std::string value_name;
  std::optional<RegistryValue> original;  // nullopt: did not exist
  std::vector<std::string> created_keys;  // key paths that did not exist, deepest first
  std::optional<RegistryValue> desired;
  std::string purpose;
  bool applied = false;
  bool restored = false;
};

struct ParsedJournal {
  std::optional<JournalHeader> header;  // nullopt: torn before the header was on disk
  std::vector<JournalEntry> entries;    // in apply order
  bool done = false;
  std::vector<std::string> problems;    // unreadable lines other than a torn last one
};

ParsedJournal parse_journal(const std::string& text);

struct RestoreReport {
  std::filesystem::path journal;     // where it was (before the rename to *.done)
  std::string run_id;
  int restored = 0;                  // values put back in this call
  int skipped = 0;                   // already restored before
  std::vector<std::string> failures; // values that could not be put back, with why
  bool complete() const { return failures.empty(); }
};

class RegistryJournal {
 public:
  // Creates `file` (its folder too) and writes the header, flushed. Throws RegistryError when
  // the file exists or cannot be written: without a journal nothing may be changed.
  RegistryJournal(Registry& registry, std::filesystem::path file, JournalHeader header);
  // Restores whatever is still applied; never throws.
  ~RegistryJournal();
  RegistryJournal(const RegistryJournal&) = delete;
  RegistryJournal& operator=(const RegistryJournal&) = delete;

  // Journals the original, flushes, applies, reads back. A value that already has the desired
  // setting (equivalent_values) is left alone and not journaled; returns false then. On a
  // read-back mismatch the change is undone and RegistryError thrown.
  bool apply(const RegistryChange& change);

  // Undoes every change in reverse order, closes the journal and renames it to *.done when
  // everything was restored (a journal with failures stays pending for doctor --restore).
  RestoreReport restore();

  const std::filesystem::path& file() const { return file_; }
  const std::vector<JournalEntry>& entries() const { return entries_; }

 private:
  void append(const std::string& line);

  Registry& registry_;
  std::filesystem::path file_;
  std::vector<JournalEntry> entries_;
  bool closed_ = false;
};

// "regjournal.<run_id>.jsonl" and its finished name "regjournal.<run_id>.done".
std::string journal_file_name(const std::string& run_id);
std::filesystem::path done_journal_path(const std::filesystem::path& journal);

// Restores one journal left behind (any owner: the caller decided it is stale) and renames it
// to *.done when complete. Throws RegistryError when the file cannot be read.
RestoreReport restore_pending_journal(const std::filesystem::path& file, Registry& registry);

struct PendingJournal {
  std::filesystem::path file;
  std::optional<JournalHeader> header;
  bool owner_alive = false;  // a running harness still owns it: not to be touched
};

using ProcessAliveFn = std::function<bool(const ProcessIdentity&)>;

// Journals in `dir` that are not done, with whether their owner still runs.
std::vector<PendingJournal> find_pending_journals(const std::filesystem::path& dir,
                                                  const ProcessAliveFn& is_alive);
// What every harness start does first: restores each pending journal whose owner is gone.
std::vector<RestoreReport> restore_stale_journals(const std::filesystem::path& dir,
                                                  Registry& registry,
                                                  const ProcessAliveFn& is_alive);

// HKCU\Software\Microsoft\Windows\CurrentVersion\RunOnce!BrowserHarnessRestore = command: applied
// first through the journal, so that a reboot mid-run restores at the next logon, and removed
// again by the normal restore (reference §3.4).
RegistryChange restore_at_logon_change(const std::string& command_line);

// ISO 8601 UTC now, for JournalHeader::started_utc.
std::string utc_now_iso8601();

}  // namespace harness
