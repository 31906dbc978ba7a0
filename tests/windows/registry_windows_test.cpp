// The real registry (advapi32 under Wine, or Windows): value types, both views, the journal
// over it, the IE profiles' requirements on the real IE keys, and a harness killed with
// TerminateProcess after applying values (the SIGKILL variant runs from scripts/test-windows.sh).
#include "harness/platform/windows/registry_windows.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "harness/browser/ie.hpp"
#include "harness/platform/windows/system_windows.hpp"
#include "tests/windows/support.hpp"

namespace harness {
namespace {

using testing::eventually;
using testing::fresh_dir;
using testing::read_text;
using testing::run_to_end;

std::string sandbox_root(const std::string& name) {
  return fmt::format("Software\\browser-harness-tests\\{}-{}", name, ::GetCurrentProcessId());
}

TEST(WindowsRegistryTest, ValueTypesRoundTripAndMissingIsNullopt) {
  WindowsRegistry r;
  const RegistryKey key{RegistryHive::kCurrentUser, RegistryView::k64, sandbox_root("types")};
  EXPECT_FALSE(r.key_exists(key));
  EXPECT_FALSE(r.read(key, "x"));
  r.write(key, "dword", RegistryValue::dword(0xDEADBEEF));
  r.write(key, "sz", RegistryValue::string("PMEM Zürich"));
  RegistryValue binary{RegistryType::kBinary, {1, 2, 3, 0, 255}};
  r.write(key, "binary", binary);
  RegistryValue qword{RegistryType::kQword, {1, 0, 0, 0, 0, 0, 0, 0x80}};
  r.write(key, "qword", qword);
  EXPECT_TRUE(r.key_exists(key));
  EXPECT_EQ(r.read(key, "dword")->as_number(), 0xDEADBEEFu);
  EXPECT_EQ(*r.read(key, "sz"), RegistryValue::string("PMEM Zürich"));
  EXPECT_EQ(*r.read(key, "binary"), binary);
  EXPECT_EQ(*r.read(key, "qword"), qword);
  EXPECT_EQ(*r.read(key, "DWORD"), *r.read(key, "dword"));  // names are case-insensitive
  EXPECT_FALSE(r.remove_key_if_empty(key));                  // has values
  for (const char* v : {"dword", "sz", "binary", "qword"}) r.remove_value(key, v);
  r.remove_value(key, "never-existed");  // not an error
  EXPECT_TRUE(r.remove_key_if_empty(key));
  EXPECT_FALSE(r.key_exists(key));
  r.remove_key_if_empty({RegistryHive::kCurrentUser, RegistryView::k64,
                         "Software\\browser-harness-tests"});
}

TEST(WindowsRegistryTest, TheTwoViewsOfHklmSoftwareAreDifferentKeys) {
  WindowsRegistry r;
  const std::string path = "SOFTWARE\\" + sandbox_root("views");
  const RegistryKey k32{RegistryHive::kLocalMachine, RegistryView::k32, path};
  const RegistryKey k64{RegistryHive::kLocalMachine, RegistryView::k64, path};
  try {
    r.write(k32, "iexplore.exe", RegistryValue::dword(0));
  } catch (const RegistryError& e) {
    if (!process_is_elevated()) GTEST_SKIP() << "HKLM needs an elevated test run: " << e.what();
    throw;
  }
  EXPECT_TRUE(r.read(k32, "iexplore.exe"));
  EXPECT_FALSE(r.read(k64, "iexplore.exe")) << "KEY_WOW64_32KEY must be redirected (Wow6432Node)";
  // The 32-bit view is the 64-bit view's Wow6432Node.
  const RegistryKey wow{RegistryHive::kLocalMachine, RegistryView::k64,
                        "SOFTWARE\\Wow6432Node\\" + sandbox_root("views")};
  EXPECT_TRUE(r.read(wow, "iexplore.exe"));
  r.remove_value(k32, "iexplore.exe");
  EXPECT_TRUE(r.remove_key_if_empty(k32));
  r.remove_key_if_empty({RegistryHive::kLocalMachine, RegistryView::k32,
                         "SOFTWARE\\Software\\browser-harness-tests"});
  for (auto view : {RegistryView::k32, RegistryView::k64}) {
    r.remove_key_if_empty({RegistryHive::kLocalMachine, view, "SOFTWARE\\Software\\browser-harness-tests"});
    r.remove_key_if_empty({RegistryHive::kLocalMachine, view, "SOFTWARE\\Software"});
  }
}

// Every value an IE profile touches, as it is, for a before/after comparison.
std::string ie_state(Registry& r, const IeProfileSpec& profile) {
  std::string out;
  for (const auto& req : ie_registry_requirements(profile)) {
    const auto v = r.read(req.change.key, req.change.value_name);
    out += describe_value(req.change.key, req.change.value_name) + " = " +
           (v ? v->describe() : "absent") + (r.key_exists(req.change.key) ? "" : " (no key)") + "\n";
  }
  return out;
}

TEST(WindowsRegistryTest, EachIeProfileIsAppliedThroughTheJournalAndRestoredExactly) {
  WindowsRegistry r;
  const auto dir = fresh_dir("ie-journal");
  const bool machine = process_is_elevated() || running_under_wine();
  for (const auto& profile : ie_profiles()) {
    SCOPED_TRACE(profile.name);
    const std::string before = ie_state(r, profile);
    {
      RegistryLock lock;
      RegistryJournal journal(r, dir / journal_file_name(profile.name),
                              {profile.name, *identify_process(::GetCurrentProcessId()),
                               utc_now_iso8601(), profile.name});
      apply_ie_registry(r, journal, profile, machine);
      for (const auto& c : check_ie_registry(r, profile, machine)) {
        EXPECT_TRUE(c.satisfied) << c.problem;
      }
      const auto report = journal.restore();
      EXPECT_TRUE(report.complete()) << (report.failures.empty() ? "" : report.failures.front());
    }
    EXPECT_EQ(ie_state(r, profile), before);
  }
}

// A harness that applied values and was then killed: its journal stays, and the next start
// (restore_stale_journals) puts everything back, including deleting what did not exist.
TEST(WindowsRegistryTest, AHarnessKilledAfterApplyingIsRestoredByTheNextStart) {
  const auto victim = testing::own_dir() / "regjournal_victim.exe";
  const std::string root = sandbox_root("killed");
  const auto dir = fresh_dir("killed-journal");
  ASSERT_EQ(run_to_end(victim, {"prepare", "--root", root}).exit_code, 0);
  ASSERT_EQ(run_to_end(victim, {"verify", "--root", root}).exit_code, 0);

  LaunchSpec spec;
  spec.executable = victim;
  spec.args = {"apply", "--root", root, "--journal-dir", dir.string()};
  spec.stdout_file = dir / "victim.txt";
  auto child = ChildProcess::launch(spec);
  ASSERT_TRUE(eventually([&] { return read_text(dir / "victim.txt").find("applied") != std::string::npos; }))
      << read_text(dir / "victim.txt");
  const auto applied = run_to_end(victim, {"check-applied", "--root", root});
  EXPECT_EQ(applied.exit_code, 0) << applied.output;

  // While its owner runs, the journal is not stale and nothing is restored.
  EXPECT_TRUE(restore_stale_journals(dir).empty());

  kill_process(child->identity());  // TerminateProcess: no destructor, no restore
  ASSERT_FALSE(process_alive(child->identity()));
  ASSERT_EQ(find_pending_journals(dir, [](const ProcessIdentity& id) { return process_alive(id); }).size(), 1u);

  const auto reports = restore_stale_journals(dir);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].complete()) << reports[0].failures.front();
  EXPECT_EQ(reports[0].restored, 7);
  const auto verified = run_to_end(victim, {"verify", "--root", root});
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_TRUE(std::filesystem::exists(dir / fmt::format("regjournal.victim-{}.done", child->pid())));
  run_to_end(victim, {"cleanup", "--root", root});
}

}  // namespace
}  // namespace harness
