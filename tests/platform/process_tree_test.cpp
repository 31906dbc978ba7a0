// Real processes, real /proc: a launched shell with children is found, read and ended.
#include "harness/platform/process_tree.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "harness/error.hpp"
#include "harness/platform/process.hpp"

namespace harness {
namespace {

ProcessClass classify_by_program(std::string_view cmdline) {
  ProcessClass c;
  const std::string_view program = cmdline.substr(0, cmdline.find(' '));
  c.role = program.find("sleep") != std::string_view::npos ? ProcessRole::kRenderer
                                                          : ProcessRole::kDriver;
  return c;
}

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return predicate();
}

TEST(ProcessTree, FindsDescendantsReadsThemAndEndGroupKillsThem) {
  LaunchSpec spec;
  spec.executable = "/bin/sh";
  spec.args = {"-c", "sleep 60 & sleep 61 & wait"};
  auto shell = ChildProcess::launch(spec);
  ProcessTree tree({{shell->pid()}, classify_by_program, ""});

  // Found, and classified once each child has exec'd `sleep` (caught between fork and exec, a
  // child still shows the shell's command line: the class is read again while it is young).
  std::vector<ProcessReading> readings;
  int sleeps = 0;
  ASSERT_TRUE(eventually([&] {
    tree.refresh(true);
    readings = tree.read();
    sleeps = 0;
    for (const auto& r : readings) sleeps += r.role == ProcessRole::kRenderer;
    return readings.size() == 3 && sleeps == 2;
  })) << "found " << readings.size() << " processes, " << sleeps << " sleeps";
  for (const auto& r : readings) {
    EXPECT_GT(r.rss_bytes, 0u);
    EXPECT_LE(r.private_bytes, r.rss_bytes);
    EXPECT_GT(r.virtual_bytes, r.rss_bytes);
  }

  const auto detailed = tree.read_detailed();
  ASSERT_EQ(detailed.size(), 3u);
  for (const auto& d : detailed) {
    EXPECT_GT(d.pss_bytes, 0u);
    EXPECT_GT(d.peak_rss_bytes, 0u);
  }

  const auto seen = tree.seen();
  ASSERT_EQ(seen.size(), 3u);
  shell->end_group(std::chrono::milliseconds(2000));
  EXPECT_TRUE(eventually([&] {
    for (const auto& id : seen) {
      if (process_alive(id)) return false;
    }
    return true;
  }));
  EXPECT_TRUE(eventually([&] {
    tree.refresh(true);
    return tree.read().empty();
  }));
}

TEST(ProcessTree, MarkerFindsDetachedProcesses) {
  // A process outside the tree (setsid, like Chromium's crashpad handler) is tracked when its
  // command line carries the run's marker.
  const std::string marker = "/tmp/harness-marker-" + std::to_string(::getpid());
  LaunchSpec spec;
  spec.executable = "/bin/bash";
  spec.args = {"-c", "exec -a \"sleep-marked " + marker + "\" sleep 60"};
  auto other = ChildProcess::launch(spec);
  ProcessTree tree({{/*no root alive*/ 999999999}, classify_by_program, marker});
  EXPECT_TRUE(eventually([&] {
    tree.refresh(true);
    return tree.read().size() == 1;
  }));
  other->end_group(std::chrono::milliseconds(1000));
}

TEST(ChildProcess, MissingExecutableIsALaunchError) {
  LaunchSpec spec;
  spec.executable = "/no/such/driver";
  EXPECT_THROW(ChildProcess::launch(spec), LaunchError);
}

TEST(ChildProcess, ExitCodeAndIdentity) {
  LaunchSpec spec;
  spec.executable = "/bin/sh";
  spec.args = {"-c", "exit 7"};
  auto child = ChildProcess::launch(spec);
  ASSERT_TRUE(eventually([&] { return child->poll_exit().has_value(); }));
  EXPECT_EQ(*child->poll_exit(), 7);
  EXPECT_FALSE(process_alive(child->identity()));
}

TEST(ProcessIdentity, RecycledPidIsNotAlive) {
  auto self = identify_process(::getpid());
  ASSERT_TRUE(self);
  EXPECT_TRUE(process_alive(*self));
  ProcessIdentity other = *self;
  other.start_ticks += 1;  // same PID, different start: a different process
  EXPECT_FALSE(process_alive(other));
}

}  // namespace
}  // namespace harness
