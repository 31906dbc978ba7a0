// The registry journal's logic over the Registry seam, with an in-memory registry. The same
// journal against the real registry, killed with SIGKILL and TerminateProcess, runs under Wine
// (tests/windows/registry_windows_test.cpp, scripts/test-windows.sh).
#include "harness/platform/registry_journal.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "tests/windows/fake_registry.hpp"

namespace harness {
namespace {

using testing::FakeRegistry;

const RegistryKey kMain{RegistryHive::kCurrentUser, RegistryView::k64,
                        "Software\\Microsoft\\Internet Explorer\\Main"};
const RegistryKey kBfcache32{
    RegistryHive::kLocalMachine, RegistryView::k32,
    "SOFTWARE\\Microsoft\\Internet Explorer\\Main\\FeatureControl\\FEATURE_BFCACHE"};

std::filesystem::path temp_dir(const std::string& name) {
  // Unique per process: ctest runs the tests of this file in parallel, each in its own process.
  static const unsigned token = std::random_device{}();
  auto dir = std::filesystem::temp_directory_path() /
             ("harness-journal-test-" + name + "-" + std::to_string(token));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// What SIGKILL leaves: a journal object that is never destroyed, so nothing restores. Kept
// reachable so that LeakSanitizer does not report it.
RegistryJournal* abandoned(RegistryJournal* j) {
  static std::vector<RegistryJournal*> graveyard;
  graveyard.push_back(j);
  return j;
}

JournalHeader header(const std::string& run_id, Pid pid = 4242) {
  return JournalHeader{run_id, ProcessIdentity{pid, 133000000000000000ull}, "2026-11-22T18:00:00Z",
                       "ie11-x64"};
}

RegistryChange change(const RegistryKey& key, const std::string& name,
                      std::optional<RegistryValue> v) {
  return RegistryChange{key, name, std::move(v), "test"};
}

// A machine as the tests find it: TabProcGrowth=1 (REG_SZ), Isolation absent, no BFCache key.
FakeRegistry machine() {
  FakeRegistry r;
  r.write(kMain, "TabProcGrowth", RegistryValue::string("1"));
  r.write(kMain, "Start Page", RegistryValue::string("about:blank"));
  r.create_key({RegistryHive::kLocalMachine, RegistryView::k32,
                "SOFTWARE\\Microsoft\\Internet Explorer\\Main"});
  return r;
}

TEST(RegistryJournal, AppliesAndRestoresInReverseIncludingAbsentValuesAndCreatedKeys) {
  auto dir = temp_dir("roundtrip");
  FakeRegistry r = machine();
  const std::string before = r.dump();
  {
    RegistryJournal j(r, dir / journal_file_name("run1"), header("run1"));
    EXPECT_TRUE(j.apply(change(kMain, "TabProcGrowth", RegistryValue::dword(0))));
    EXPECT_TRUE(j.apply(change(kMain, "Isolation", RegistryValue::string("PMEM"))));
    EXPECT_TRUE(j.apply(change(kBfcache32, "iexplore.exe", RegistryValue::dword(0))));
    // The same value twice: the second original is the first's result; reverse order restores.
    EXPECT_TRUE(j.apply(change(kMain, "TabProcGrowth", std::nullopt)));
    EXPECT_FALSE(r.read(kMain, "TabProcGrowth"));
    EXPECT_EQ(r.read(kMain, "Isolation")->as_text(), "PMEM");
    EXPECT_EQ(r.read(kBfcache32, "iexplore.exe")->as_number(), 0u);
    // The 32-bit view is another key than the 64-bit one.
    EXPECT_FALSE(r.read({RegistryHive::kLocalMachine, RegistryView::k64, kBfcache32.path},
                        "iexplore.exe"));
    const auto report = j.restore();
    EXPECT_TRUE(report.complete()) << report.failures.front();
    EXPECT_EQ(report.restored, 4);
  }
  EXPECT_EQ(r.dump(), before);  // FEATURE_BFCACHE (created) is gone again, TabProcGrowth is "1"
  EXPECT_EQ(r.read(kMain, "TabProcGrowth")->type, RegistryType::kSz);
  EXPECT_FALSE(std::filesystem::exists(dir / journal_file_name("run1")));
  EXPECT_TRUE(std::filesystem::exists(dir / "regjournal.run1.done"));
}

TEST(RegistryJournal, LeavesAlreadySatisfiedValuesAlone) {
  auto dir = temp_dir("satisfied");
  FakeRegistry r = machine();
  r.write(kMain, "Isolation", RegistryValue::string("pmil"));
  RegistryJournal j(r, dir / journal_file_name("r"), header("r"));
  const int writes = r.writes;
  // REG_SZ "1" is the number 1; "pmil" equals "PMIL" for IE.
  EXPECT_FALSE(j.apply(change(kMain, "TabProcGrowth", RegistryValue::dword(1))));
  EXPECT_FALSE(j.apply(change(kMain, "Isolation", RegistryValue::string("PMIL"))));
  EXPECT_FALSE(j.apply(change(kMain, "Isolation64Bit", std::nullopt)));
  EXPECT_EQ(r.writes, writes);
  EXPECT_TRUE(j.entries().empty());
}

TEST(RegistryJournal, OriginalIsOnDiskBeforeTheRegistryChanges) {
  auto dir = temp_dir("order");
  FakeRegistry r = machine();
  RegistryJournal j(r, dir / journal_file_name("o"), header("o"));
  r.fail_writes_under = "Software\\Microsoft\\Internet Explorer";
  EXPECT_THROW(j.apply(change(kMain, "TabProcGrowth", RegistryValue::dword(0))), RegistryError);
  // The failed write was journaled first (pending) and then marked restored.
  const auto parsed = parse_journal(read_file(j.file()));
  ASSERT_EQ(parsed.entries.size(), 1u);
  EXPECT_FALSE(parsed.entries[0].applied);
  EXPECT_TRUE(parsed.entries[0].restored);
  EXPECT_EQ(parsed.entries[0].original->as_text(), "1");
  r.fail_writes_under.clear();
}

TEST(RegistryJournal, ReadBackMismatchUndoesTheChangeAndThrows) {
  auto dir = temp_dir("readback");
  FakeRegistry r = machine();
  r.ignore_writes_of = "Isolation64Bit";  // reads back 42, as if a policy agent rewrote it
  RegistryJournal j(r, dir / journal_file_name("m"), header("m"));
  try {
    j.apply(change(kMain, "Isolation64Bit", RegistryValue::dword(1)));
    FAIL() << "no exception";
  } catch (const RegistryError& e) {
    EXPECT_NE(std::string(e.what()).find("reads REG_DWORD 0x0000002a"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(r.read(kMain, "Isolation64Bit"));
}

TEST(RegistryJournal, AKilledHarnessLeavesAJournalThatTheNextStartRestores) {
  auto dir = temp_dir("killed");
  FakeRegistry r = machine();
  const std::string before = r.dump();
  // The harness dies after applying: its journal object is never destroyed.
  auto* j = abandoned(new RegistryJournal(r, dir / journal_file_name("dead"), header("dead", 1111)));
  j->apply(change(kMain, "TabProcGrowth", RegistryValue::dword(0)));
  j->apply(change(kBfcache32, "iexplore.exe", RegistryValue::dword(0)));
  j->apply(change(kMain, "Isolation64Bit", RegistryValue::dword(1)));

  // A second harness (alive) has its own pending journal: it must not be touched.
  FakeRegistry other;
  RegistryJournal live(other, dir / journal_file_name("live"), header("live", 2222));

  auto is_alive = [](const ProcessIdentity& id) { return id.pid == 2222; };
  const auto pending = find_pending_journals(dir, is_alive);
  ASSERT_EQ(pending.size(), 2u);
  const auto reports = restore_stale_journals(dir, r, is_alive);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].run_id, "dead");
  EXPECT_EQ(reports[0].restored, 3);
  EXPECT_TRUE(reports[0].complete());
  EXPECT_EQ(r.dump(), before);
  EXPECT_TRUE(std::filesystem::exists(dir / "regjournal.dead.done"));
  EXPECT_TRUE(std::filesystem::exists(dir / journal_file_name("live")));
  // Restoring again finds nothing stale.
  EXPECT_TRUE(restore_stale_journals(dir, r, is_alive).empty());
}

TEST(RegistryJournal, TornLastLineIsIgnoredAndAPendingChangeIsRestored) {
  auto dir = temp_dir("torn");
  FakeRegistry r = machine();
  const std::string before = r.dump();
  std::filesystem::path file;
  {
    auto* j = abandoned(new RegistryJournal(r, dir / journal_file_name("torn"), header("torn", 1)));
    j->apply(change(kMain, "TabProcGrowth", RegistryValue::dword(0)));
    file = j->file();
  }
  // Killed after the write of the value but before its "applied" line ...
  std::string text = read_file(file);
  text.erase(text.rfind("{\"seq\":1,\"state\":\"applied\"}"));
  // ... while writing the next pending line, which never reached its newline.
  text += "{\"seq\":2,\"state\":\"pending\",\"hive\":\"HK";
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;

  const auto parsed = parse_journal(text);
  EXPECT_TRUE(parsed.problems.empty());
  ASSERT_EQ(parsed.entries.size(), 1u);
  EXPECT_FALSE(parsed.entries[0].applied);

  const auto report = restore_pending_journal(file, r);
  EXPECT_TRUE(report.complete());
  EXPECT_EQ(r.dump(), before);
}

TEST(RegistryJournal, CrashDuringRestoreIsResumedWithoutRedoingFinishedEntries) {
  auto dir = temp_dir("resume");
  FakeRegistry r = machine();
  const std::string before = r.dump();
  std::filesystem::path file;
  {
    auto* j = abandoned(new RegistryJournal(r, dir / journal_file_name("x"), header("x", 1)));
    j->apply(change(kMain, "TabProcGrowth", RegistryValue::dword(0)));
    j->apply(change(kMain, "TabProcGrowth", RegistryValue::dword(2)));
    file = j->file();
  }
  // The restore put back seq 2 (TabProcGrowth -> 0) and died before seq 1.
  r.write(kMain, "TabProcGrowth", RegistryValue::dword(0));
  std::ofstream(file, std::ios::binary | std::ios::app) << "{\"seq\":2,\"state\":\"restored\"}\n";
  const auto report = restore_pending_journal(file, r);
  EXPECT_EQ(report.skipped, 1);
  EXPECT_EQ(report.restored, 1);
  EXPECT_EQ(r.dump(), before);
}

TEST(RegistryJournal, RefusesToOverwriteAnExistingJournal) {
  auto dir = temp_dir("exists");
  FakeRegistry r;
  RegistryJournal a(r, dir / journal_file_name("same"), header("same"));
  EXPECT_THROW(RegistryJournal(r, dir / journal_file_name("same"), header("same")), RegistryError);
}

TEST(RegistryJournal, FormatIsJsonLinesWithTheDocumentedFields) {
  auto dir = temp_dir("format");
  FakeRegistry r = machine();
  RegistryJournal j(r, dir / journal_file_name("f"), header("f", 77));
  j.apply(change(kBfcache32, "iexplore.exe", RegistryValue::dword(0)));
  std::istringstream lines(read_file(j.file()));
  std::string line;
  std::vector<nlohmann::json> parsed;
  while (std::getline(lines, line)) parsed.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[0]["owner"]["pid"], 77);
  EXPECT_EQ(parsed[0]["mode"], "ie11-x64");
  EXPECT_EQ(parsed[1]["state"], "pending");
  EXPECT_EQ(parsed[1]["hive"], "HKLM");
  EXPECT_EQ(parsed[1]["view"], 32);
  EXPECT_TRUE(parsed[1]["original"].is_null());
  EXPECT_EQ(parsed[1]["desired"]["type"], 4);
  EXPECT_EQ(parsed[1]["desired"]["data_hex"], "00000000");
  // Created keys, deepest first: FEATURE_BFCACHE and FeatureControl did not exist.
  EXPECT_EQ(parsed[1]["created_keys"].size(), 2u);
  EXPECT_EQ(parsed[1]["created_keys"][0], kBfcache32.path);
  EXPECT_EQ(parsed[2]["state"], "applied");
  j.restore();
}

TEST(RegistryJournal, RestoreAtLogonIsAnOrdinaryJournaledChange) {
  auto dir = temp_dir("runonce");
  FakeRegistry r;
  {
    RegistryJournal j(r, dir / journal_file_name("ro"), header("ro"));
    j.apply(restore_at_logon_change("\"C:\\harness\\harness.exe\" doctor --restore"));
    const auto v = r.read({RegistryHive::kCurrentUser, RegistryView::k64,
                           "Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce"},
                          "BrowserHarnessRestore");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->as_text(), "\"C:\\harness\\harness.exe\" doctor --restore");
  }
  EXPECT_EQ(r.value_count(), 0u);
  EXPECT_EQ(r.key_count(), 0u);
}

TEST(RegistryValue, EncodingsAndEquivalence) {
  EXPECT_EQ(RegistryValue::dword(0x01020304).data, (std::vector<std::uint8_t>{4, 3, 2, 1}));
  const auto s = RegistryValue::string("PMEM");
  EXPECT_EQ(s.data.size(), 10u);  // UTF-16LE + NUL
  EXPECT_EQ(s.as_text(), "PMEM");
  EXPECT_EQ(RegistryValue::string("Zürich").as_text(), "Zürich");
  EXPECT_TRUE(equivalent_values(RegistryValue::string("0"), RegistryValue::dword(0)));
  EXPECT_FALSE(equivalent_values(RegistryValue::string("small"), RegistryValue::dword(0)));
  EXPECT_TRUE(equivalent_values(RegistryValue::string("pmem"), RegistryValue::string("PMEM")));
  EXPECT_EQ(RegistryValue::dword(3).describe(), "REG_DWORD 0x00000003 (3)");
  EXPECT_EQ(describe_key(kBfcache32),
            "HKLM\\SOFTWARE\\Microsoft\\Internet Explorer\\Main\\FeatureControl\\FEATURE_BFCACHE "
            "[32-bit view]");
}

}  // namespace
}  // namespace harness
