// The cleanup journal against real processes: what a "killed harness" (a journal whose owner
// is gone) left running is ended by PID + start time, its profile removed; a live owner's
// journal is left alone.
#include "harness/platform/cleanup_journal.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace harness {
namespace {

std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("harness-journal-test-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::unique_ptr<ChildProcess> sleeper() {
  LaunchSpec spec;
  spec.executable = "/bin/sleep";
  spec.args = {"60"};
  return ChildProcess::launch(spec);
}

// The identity of a process that has exited: a harness that was killed.
ProcessIdentity dead_process() {
  LaunchSpec spec;
  spec.executable = "/bin/true";
  auto child = ChildProcess::launch(spec);
  const ProcessIdentity id = child->identity();
  while (!child->poll_exit()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return id;
}

void write(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

TEST(CleanupJournal, RoundTripsThroughJson) {
  JournalContents c;
  c.owner = {1234, 98765};
  c.run_id = "20261205T010203Z-vtm-review-chromium-retention=window";
  c.run_dir = "/results/x";
  c.database = "/results/harness.db";
  c.temp_dirs = {"/tmp/harness-chromium-abc"};
  c.groups = {{2000, 5}};
  c.processes = {{2000, 5}, {2001, 6}};
  const JournalContents back = journal_from_json(journal_to_json(c));
  EXPECT_EQ(back.owner, c.owner);
  EXPECT_EQ(back.run_id, c.run_id);
  EXPECT_EQ(back.run_dir, c.run_dir);
  EXPECT_EQ(back.database, c.database);
  EXPECT_EQ(back.temp_dirs, c.temp_dirs);
  EXPECT_EQ(back.groups, c.groups);
  EXPECT_EQ(back.processes, c.processes);
  EXPECT_THROW(journal_from_json("{\"something\": 1}"), std::runtime_error);
  EXPECT_THROW(journal_from_json("not json"), std::runtime_error);
  EXPECT_EQ(parse_identity_argument(identity_argument({42, 7})), (ProcessIdentity{42, 7}));
  EXPECT_FALSE(parse_identity_argument("42").has_value());
}

TEST(CleanupJournal, ALiveRunWritesAsItGoesAndRemovesItsFileAtTheEnd) {
  const auto dir = fresh_dir("live");
  CleanupJournal journal(dir, "run-a", dir / "run-a", dir / "harness.db");
  ASSERT_TRUE(std::filesystem::exists(journal.file()));
  auto child = sleeper();
  journal.add_group(child->identity());
  journal.add_temp_dir(dir / "profile");
  journal.add_processes({child->identity(), {child->pid() + 1, 1}});
  std::ifstream in(journal.file());
  const JournalContents written =
      journal_from_json(std::string(std::istreambuf_iterator<char>(in), {}));
  EXPECT_EQ(written.owner.pid, current_process_id());
  EXPECT_EQ(written.groups.size(), 1u);
  EXPECT_EQ(written.processes.size(), 2u);  // the group leader is listed once
  // Its owner (this process) is alive: nobody reaps it.
  EXPECT_TRUE(reap_abandoned_journals(dir).empty());
  EXPECT_TRUE(process_alive(child->identity()));
  journal.finish();
  EXPECT_FALSE(std::filesystem::exists(journal.file()));
  child->end_group(std::chrono::milliseconds(0));
  std::filesystem::remove_all(dir);
}

TEST(CleanupJournal, AKilledOwnersProcessesAndProfileAreReaped) {
  const auto dir = fresh_dir("dead");
  const auto profile = dir / "harness-chromium-test";
  std::filesystem::create_directories(profile / "profile");
  auto group_leader = sleeper();
  auto outside_the_group = sleeper();  // like a crashpad handler after setsid
  JournalContents c;
  c.owner = dead_process();
  c.run_id = "run-b";
  c.temp_dirs = {profile};
  c.groups = {group_leader->identity()};
  c.processes = {group_leader->identity(), outside_the_group->identity()};
  write(dir / "run-b.json", journal_to_json(c));
  write(dir / "stray.json", "{\"not\": \"a journal\"}");

  const auto reaped = reap_abandoned_journals(dir);
  ASSERT_EQ(reaped.size(), 1u);
  EXPECT_EQ(reaped[0].journal.run_id, "run-b");
  EXPECT_EQ(reaped[0].processes_ended, 2u);
  EXPECT_TRUE(reaped[0].survivors.empty());
  EXPECT_FALSE(process_alive(group_leader->identity()));
  EXPECT_FALSE(process_alive(outside_the_group->identity()));
  EXPECT_FALSE(std::filesystem::exists(profile));
  ASSERT_EQ(reaped[0].temp_dirs_removed.size(), 1u);
  // Claimed until released; the stray file is set aside, not retried forever.
  EXPECT_TRUE(std::filesystem::exists(reaped[0].claimed_file));
  release_reaped(reaped[0]);
  EXPECT_FALSE(std::filesystem::exists(reaped[0].claimed_file));
  EXPECT_TRUE(std::filesystem::exists(dir / "stray.json.bad"));
  EXPECT_TRUE(reap_abandoned_journals(dir).empty());
  std::filesystem::remove_all(dir);
}

TEST(CleanupJournal, TheWatcherReapsItsOwnersJournalsOnly) {
  const auto dir = fresh_dir("owner");
  auto a = sleeper();
  auto b = sleeper();
  JournalContents mine;
  mine.owner = dead_process();
  mine.run_id = "mine";
  mine.processes = {a->identity()};
  JournalContents other = mine;
  other.owner = {mine.owner.pid, mine.owner.start_ticks + 1};  // another (dead) harness
  other.run_id = "other";
  other.processes = {b->identity()};
  write(dir / "mine.json", journal_to_json(mine));
  write(dir / "other.json", journal_to_json(other));
  const auto reaped = reap_abandoned_journals(dir, mine.owner);
  ASSERT_EQ(reaped.size(), 1u);
  EXPECT_EQ(reaped[0].journal.run_id, "mine");
  EXPECT_FALSE(process_alive(a->identity()));
  EXPECT_TRUE(process_alive(b->identity()));
  b->end_group(std::chrono::milliseconds(0));
  std::filesystem::remove_all(dir);
}

TEST(CleanupJournal, AGroupWhoseLeaderPidWasReusedIsLeftAlone) {
  auto child = sleeper();
  // A recorded leader with the same PID but another start time: the PID now names someone
  // else's process, so the group is not ours.
  kill_process_group({child->pid(), child->identity().start_ticks + 1});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(process_alive(child->identity()));
  kill_process_group(child->identity());
  for (int i = 0; i < 100 && process_alive(child->identity()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(process_alive(child->identity()));
}

}  // namespace
}  // namespace harness
