// regjournal_victim: applies registry values through the journal and then waits to be killed,
// for the crash-recovery tests of the registry journal under Wine (and on a Windows VM).
//
//   regjournal_victim prepare --root R            the "before" state under HKCU\R and HKLM\SOFTWARE\R
//   regjournal_victim apply --root R --journal-dir D   journal + apply, print "applied N", wait
//   regjournal_victim check-applied --root R      exit 0 when every change is in the registry
//   regjournal_victim owner-gone --journal-dir D  exit 0 once no pending journal's owner is alive
//   regjournal_victim restore --journal-dir D     what a harness start does: restore stale journals
//   regjournal_victim verify --root R             exit 0 when the "before" state is back exactly
//   regjournal_victim cleanup --root R
//
// The changes cover every case the journal must undo: a DWORD that existed (changed), a REG_SZ
// that existed (changed), a value that did not exist (created), a value in keys that did not
// exist (created two levels deep), a value deleted, and both registry views of HKLM\SOFTWARE.
#include <windows.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "harness/platform/process.hpp"
#include "harness/platform/registry_journal.hpp"
#include "harness/platform/windows/registry_windows.hpp"
#include "harness/platform/windows_unicode.hpp"

using namespace harness;

namespace {

struct Setting {
  RegistryKey key;
  std::string name;
  std::optional<RegistryValue> before;
  std::optional<RegistryValue> after;
};

std::vector<Setting> settings(const std::string& root) {
  const RegistryKey user{RegistryHive::kCurrentUser, RegistryView::k64, root};
  const RegistryKey deep{RegistryHive::kCurrentUser, RegistryView::k64, root + "\\Created\\Deep"};
  const RegistryKey machine32{RegistryHive::kLocalMachine, RegistryView::k32, "SOFTWARE\\" + root};
  const RegistryKey machine64{RegistryHive::kLocalMachine, RegistryView::k64, "SOFTWARE\\" + root};
  return {
      {user, "Existing", RegistryValue::dword(7), RegistryValue::dword(0)},
      {user, "Text", RegistryValue::string("before"), RegistryValue::string("after")},
      {user, "Absent", std::nullopt, RegistryValue::dword(1)},
      {user, "Deleted", RegistryValue::string("keep me"), std::nullopt},
      {deep, "Value", std::nullopt, RegistryValue::string("new")},
      {machine32, "iexplore.exe", std::nullopt, RegistryValue::dword(0)},
      {machine64, "Existing64", RegistryValue::dword(64), std::nullopt},
  };
}

std::string option(int argc, wchar_t** argv, const std::wstring& name) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return from_wide(argv[i + 1]);
  }
  return {};
}

int prepare(WindowsRegistry& r, const std::string& root) {
  for (const auto& s : settings(root)) {
    if (s.before) r.write(s.key, s.name, *s.before);
    else r.remove_value(s.key, s.name);
  }
  // The 32-bit view key exists (created by the "Existing64"-less write below) so that only the
  // value is new there; "Created\Deep" does not exist at all.
  r.write({RegistryHive::kLocalMachine, RegistryView::k32, "SOFTWARE\\" + root}, "Marker",
          RegistryValue::dword(32));
  std::printf("prepared %s\n", root.c_str());
  return 0;
}

// 0 when every setting reads as `which` (before or after) says.
int compare(WindowsRegistry& r, const std::string& root, bool after) {
  int wrong = 0;
  for (const auto& s : settings(root)) {
    const auto want = after ? s.after : s.before;
    const auto now = r.read(s.key, s.name);
    const bool ok = want ? (now && *now == *want) : !now;
    if (!ok) {
      ++wrong;
      std::printf("WRONG %s: %s, expected %s\n", describe_value(s.key, s.name).c_str(),
                  now ? now->describe().c_str() : "absent", want ? want->describe().c_str() : "absent");
    }
  }
  if (!after) {
    const RegistryKey created{RegistryHive::kCurrentUser, RegistryView::k64, root + "\\Created"};
    if (r.key_exists(created)) {
      ++wrong;
      std::printf("WRONG %s still exists (it did not before)\n", describe_key(created).c_str());
    }
  }
  std::printf("%s state: %s (%zu values)\n", after ? "applied" : "before",
              wrong ? "DIFFERENT" : "OK", settings(root).size());
  return wrong ? 1 : 0;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: regjournal_victim prepare|apply|check-applied|owner-gone|restore|verify|cleanup ...\n");
    return 2;
  }
  // Unbuffered: a line printed before an abnormal end still reaches the test's log (a buffered
  // stdout redirected to a file is lost with the process, and WINEDEBUG=-all hides the crash).
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  const std::wstring mode = argv[1];
  const std::string root = option(argc, argv, L"--root");
  const std::string journal_dir = option(argc, argv, L"--journal-dir");
  WindowsRegistry r;
  try {
    if (mode == L"prepare") return prepare(r, root);
    if (mode == L"check-applied") return compare(r, root, true);
    if (mode == L"verify") return compare(r, root, false);
    if (mode == L"cleanup") {
      for (const auto& s : settings(root)) r.remove_value(s.key, s.name);
      r.remove_value({RegistryHive::kLocalMachine, RegistryView::k32, "SOFTWARE\\" + root}, "Marker");
      for (const char* k : {"\\Created\\Deep", "\\Created", ""}) {
        r.remove_key_if_empty({RegistryHive::kCurrentUser, RegistryView::k64, root + k});
      }
      r.remove_key_if_empty({RegistryHive::kLocalMachine, RegistryView::k32, "SOFTWARE\\" + root});
      r.remove_key_if_empty({RegistryHive::kLocalMachine, RegistryView::k64, "SOFTWARE\\" + root});
      std::printf("cleaned %s\n", root.c_str());
      return 0;
    }
    if (mode == L"owner-gone") {
      // A SIGKILLed wine process is gone for Linux at once; the wineserver drops it from its
      // process table when it has handled the closed connection (1-9 ms after the kill in
      // every run measured). A harness starting before that rightly leaves the journal alone
      // (a live owner is another harness at work), so the test's "next start" waits for it.
      const auto dir = std::filesystem::path(to_wide(journal_dir));
      const auto start = std::chrono::steady_clock::now();
      for (;;) {
        const auto pending = find_pending_journals(
            dir, [](const ProcessIdentity& id) { return process_alive(id); });
        const bool alive = std::any_of(pending.begin(), pending.end(),
                                       [](const PendingJournal& p) { return p.owner_alive; });
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - start)
                                .count();
        if (!alive) {
          std::printf("owner gone after %lld ms\n", static_cast<long long>(waited));
          return 0;
        }
        if (waited > 60000) {
          std::printf("OWNER STILL ALIVE after %lld ms\n", static_cast<long long>(waited));
          return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    if (mode == L"restore") {
      const auto reports = restore_stale_journals(std::filesystem::path(to_wide(journal_dir)));
      int failures = 0;
      for (const auto& report : reports) {
        std::printf("restored journal %s: %d values, %d already, %zu failures\n",
                    report.run_id.c_str(), report.restored, report.skipped, report.failures.size());
        for (const auto& f : report.failures) std::printf("  FAILURE %s\n", f.c_str());
        failures += static_cast<int>(report.failures.size());
      }
      std::printf("%zu stale journals\n", reports.size());
      return reports.empty() || failures ? 1 : 0;
    }
    if (mode == L"apply") {
      const auto self = identify_process(static_cast<Pid>(::GetCurrentProcessId()));
      const std::string run_id = "victim-" + std::to_string(::GetCurrentProcessId());
      JournalHeader header{run_id, self.value_or(ProcessIdentity{}), utc_now_iso8601(), "test"};
      // Deliberately never destroyed: the process is killed while it holds the journal.
      auto* journal = new RegistryJournal(
          r, std::filesystem::path(to_wide(journal_dir)) / journal_file_name(run_id), header);
      int applied = 0;
      {
        RegistryLock lock;
        for (const auto& s : settings(root)) {
          if (journal->apply({s.key, s.name, s.after, "victim"})) ++applied;
        }
      }
      std::printf("applied %d journal %s\n", applied, journal->file().string().c_str());
      std::fflush(stdout);
      for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    }
  } catch (const std::exception& e) {
    std::printf("ERROR %s\n", e.what());
    return 3;
  }
  std::fprintf(stderr, "unknown mode\n");
  return 2;
}
