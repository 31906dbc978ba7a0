// Real processes, real /proc: a launched shell with children is found, read and ended; new
// members are found between rescans through the threads that fork, and by unforced rescans.
#include "harness/platform/process_tree.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
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

bool has_member(const std::vector<ProcessReading>& readings, Pid pid) {
  return std::any_of(readings.begin(), readings.end(), [&](const auto& r) { return r.pid == pid; });
}

// Only the cheap path can find a new process: no unforced rescan comes.
ProcessTreeOptions cheap_path_only(std::vector<Pid> roots, std::string marker = "") {
  ProcessTreeOptions options{std::move(roots), classify_by_program, std::move(marker)};
  options.rescan_interval = std::chrono::hours(1);
  return options;
}

// A named pipe a shell waits on (`read x < fifo`), so the test decides when the shell forks.
class Gate {
 public:
  Gate() {
    static int count = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("harness-tree-gate-" + std::to_string(::getpid()) + "-" + std::to_string(++count));
    std::filesystem::remove(path_);
    if (::mkfifo(path_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
  }
  ~Gate() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }
  // Blocks until the shell opens its end, then lets it go on.
  void open() {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "go\n", 3), 3);
    ::close(fd);
  }

 private:
  std::filesystem::path path_;
};

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

TEST(ProcessTree, ChildBornBetweenFullRescansIsFoundByTheCheapPath) {
  Gate gate;
  LaunchSpec spec;
  spec.executable = "/bin/sh";
  spec.args = {"-c", "read x < " + gate.path() + "; sleep 60 & wait"};
  auto shell = ChildProcess::launch(spec);
  ProcessTree tree(cheap_path_only({shell->pid()}));
  tree.refresh(true);
  ASSERT_EQ(tree.read().size(), 1u);  // the shell, waiting at the gate

  gate.open();
  std::vector<ProcessReading> readings;
  EXPECT_TRUE(eventually([&] {
    tree.refresh();
    readings = tree.read();
    return readings.size() == 2 && readings[0].role != readings[1].role;  // shell and sleep
  })) << "found " << readings.size() << " processes";
  EXPECT_EQ(tree.seen().size(), 2u);
  shell->end_group(std::chrono::milliseconds(1000));
}

TEST(ProcessTree, GrandchildBornBetweenFullRescansIsFoundByTheCheapPath) {
  // The child forks as soon as it starts, as the zygote does its first renderer: a young
  // member's main thread is watched.
  Gate gate;
  LaunchSpec spec;
  spec.executable = "/bin/sh";
  spec.args = {"-c", "read x < " + gate.path() + "; /bin/sh -c 'sleep 60 & wait' & wait"};
  auto shell = ChildProcess::launch(spec);
  ProcessTree tree(cheap_path_only({shell->pid()}));
  tree.refresh(true);
  ASSERT_EQ(tree.read().size(), 1u);

  gate.open();
  std::vector<ProcessReading> readings;
  int sleeps = 0;
  EXPECT_TRUE(eventually([&] {
    tree.refresh();
    readings = tree.read();
    sleeps = 0;
    for (const auto& r : readings) sleeps += r.role == ProcessRole::kRenderer;
    return readings.size() == 3 && sleeps == 1;  // shell, shell, sleep
  })) << "found " << readings.size() << " processes, " << sleeps << " sleeps";
  shell->end_group(std::chrono::milliseconds(1000));
}

TEST(ProcessTree, ForcedRefreshFindsWhatTheCheapPathCannotAndLearnsTheForkingThread) {
  // This test process is the root; a thread of its own starts the children, as Chromium's
  // browser starts its utilities from its process-launcher thread.
  std::mutex mutex;
  std::condition_variable cv;
  int wanted = 0;
  bool done = false;
  std::vector<std::unique_ptr<ChildProcess>> children;
  std::thread launcher([&] {
    std::unique_lock lock(mutex);
    for (;;) {
      cv.wait(lock, [&] { return done || static_cast<int>(children.size()) < wanted; });
      if (done) return;
      LaunchSpec spec;
      spec.executable = "/bin/sleep";
      spec.args = {"60"};
      children.push_back(ChildProcess::launch(spec));
      cv.notify_all();
    }
  });
  auto launch_from_thread = [&] {
    std::unique_lock lock(mutex);
    ++wanted;
    cv.notify_all();
    cv.wait(lock, [&] { return static_cast<int>(children.size()) == wanted; });
    return children.back()->pid();
  };

  ProcessTree tree(cheap_path_only({::getpid()}));
  tree.refresh(true);
  const Pid first = launch_from_thread();
  // Only the root's main thread is watched: a child of another thread waits for a rescan.
  tree.refresh();
  EXPECT_FALSE(has_member(tree.read(), first));
  tree.refresh(true);
  EXPECT_TRUE(has_member(tree.read(), first));

  // That rescan learnt which thread forks: its next child is found without one.
  const Pid second = launch_from_thread();
  EXPECT_TRUE(eventually([&] {
    tree.refresh();
    return has_member(tree.read(), second);
  }));

  {
    std::lock_guard lock(mutex);
    done = true;
  }
  cv.notify_all();
  launcher.join();
  for (auto& child : children) child->end_group(std::chrono::milliseconds(1000));
}

// Unforced rescans on every refresh that follows a new PID; the test makes one by starting a
// thread, as the machine's other processes would.
ProcessTreeOptions rescan_always(std::vector<Pid> roots, std::string marker = "") {
  ProcessTreeOptions options{std::move(roots), classify_by_program, std::move(marker)};
  options.rescan_interval = std::chrono::milliseconds(0);
  return options;
}

void hand_out_a_pid() {
  std::thread([] {}).join();
}

TEST(ProcessTree, UnforcedRescanFindsADetachedProcessBornSinceTheLast) {
  const std::string marker = "/tmp/harness-marker-unforced-" + std::to_string(::getpid());
  ProcessTree tree(rescan_always({/*no root alive*/ 999999999}, marker));
  tree.refresh(true);  // every process known: the next rescans only read the new ones
  ASSERT_TRUE(tree.read().empty());
  LaunchSpec spec;
  spec.executable = "/bin/bash";
  spec.args = {"-c", "exec -a \"sleep-marked " + marker + "\" sleep 60"};
  auto other = ChildProcess::launch(spec);
  EXPECT_TRUE(eventually([&] {
    hand_out_a_pid();
    tree.refresh();
    return tree.read().size() == 1;
  }));
  other->end_group(std::chrono::milliseconds(1000));
}

TEST(ProcessTree, UnforcedRescanDropsAnOrphanThatLeftTheTree) {
  // The middle shell forks a sleep and exits at the gate: the sleep is handed to init (or a
  // subreaper) and is no descendant any more, though its own /proc entry did not change.
  Gate gate;
  LaunchSpec spec;
  spec.executable = "/bin/sh";
  spec.args = {"-c", "/bin/sh -c 'sleep 60 & read x < " + gate.path() + "' & wait; sleep 61"};
  auto shell = ChildProcess::launch(spec);
  ProcessTree tree(rescan_always({shell->pid()}));
  Pid orphan = 0;
  ASSERT_TRUE(eventually([&] {
    tree.refresh(true);
    const auto readings = tree.read();
    for (const auto& r : readings) {
      if (r.role == ProcessRole::kRenderer) orphan = r.pid;
    }
    return readings.size() == 3 && orphan != 0;  // shell, shell, sleep 60
  }));
  gate.open();
  EXPECT_TRUE(eventually([&] {
    hand_out_a_pid();
    tree.refresh();
    return !has_member(tree.read(), orphan);
  }));
  shell->end_group(std::chrono::milliseconds(1000));  // the orphan is still in its group
}

TEST(ProcessTree, UnforcedRescanFollowsAnOrphanToItsSubreaperRoot) {
  // The root is a child subreaper (as a service manager can be): the orphan is handed to it and
  // stays a member. Its /proc entry did not change, only its parent did.
  Gate gate;
  const std::string script =
      "/bin/sh -c 'sleep 60 & read x < " + gate.path() + "' & wait; sleep 61 & wait";
  const char* argv[] = {"sh", "-c", script.c_str(), nullptr};
  const pid_t root = ::fork();
  ASSERT_GE(root, 0);
  if (root == 0) {  // only async-signal-safe calls until exec
    ::setpgid(0, 0);
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    ::execv("/bin/sh", const_cast<char* const*>(argv));
    ::_exit(127);
  }
  ::setpgid(root, root);
  struct EndGroup {  // the group this test made, however the test ends
    pid_t leader;
    ~EndGroup() {
      ::kill(-leader, SIGKILL);
      ::waitpid(leader, nullptr, 0);
    }
  } end_group{root};
  ProcessTree tree(rescan_always({root}));
  auto count = [&](std::size_t& members, int& sleeps) {
    const auto readings = tree.read();
    members = readings.size();
    sleeps = 0;
    for (const auto& r : readings) sleeps += r.role == ProcessRole::kRenderer;
  };
  std::size_t members = 0;
  int sleeps = 0;
  ASSERT_TRUE(eventually([&] {
    tree.refresh(true);
    count(members, sleeps);
    return members == 3 && sleeps == 1;  // sh, sh, sleep 60
  }));
  gate.open();
  // `sleep 61` starts once the middle shell is reaped: the rescan that finds it has seen the
  // orphan's new parent.
  EXPECT_TRUE(eventually([&] {
    hand_out_a_pid();
    tree.refresh();
    count(members, sleeps);
    return members == 3 && sleeps == 2;  // sh, sleep 60, sleep 61
  })) << members << " members, " << sleeps << " sleeps";
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
