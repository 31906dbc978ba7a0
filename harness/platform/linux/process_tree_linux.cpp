#include <dirent.h>
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "harness/platform/linux/proc_stat.hpp"
#include "harness/platform/process_tree.hpp"

namespace harness {

namespace {

std::uint64_t kb_value(std::string_view text, std::string_view key) {
  std::size_t pos = 0;
  while ((pos = text.find(key, pos)) != std::string_view::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      std::size_t i = pos + key.size();
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      std::uint64_t value = 0;
      std::from_chars(text.data() + i, text.data() + text.size(), value);
      return value * 1024;
    }
    pos += key.size();
  }
  return 0;
}

std::string read_file(const std::string& path) {
  std::string text;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

const std::uint64_t kPageBytes = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));

}  // namespace

bool parse_statm(std::string_view text, StatmValues& out) {
  std::uint64_t values[3] = {0, 0, 0};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (auto& value : values) {
    while (p < end && *p == ' ') ++p;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc()) return false;
    p = next;
  }
  out.size_pages = values[0];
  out.resident_pages = values[1];
  out.shared_pages = values[2];
  return true;
}

bool parse_smaps_rollup(std::string_view text, DetailedReading& out) {
  if (text.find("Pss:") == std::string_view::npos) return false;
  out.cheap.rss_bytes = kb_value(text, "Rss:");
  out.pss_bytes = kb_value(text, "Pss:");
  out.smaps_private_bytes = kb_value(text, "Private_Clean:") + kb_value(text, "Private_Dirty:");
  out.swap_bytes = kb_value(text, "Swap:");
  return true;
}

void parse_status_memory(std::string_view text, DetailedReading& out) {
  out.peak_rss_bytes = kb_value(text, "VmHWM:");
  out.data_bytes = kb_value(text, "VmData:");
}

// How the tree stays current without looking at every process on each tick (issue 12):
//
// - A tick reads a kept-open /proc/loadavg with pread. Its last field is the last PID handed out:
//   unchanged means no process (or thread) was created anywhere, so there is nothing to find.
// - When it changed, the new members are children of members, and a process's children are
//   listed per forking thread in /proc/PID/task/TID/children. Few threads ever fork: Chromium's
//   zygote main threads (renderers, GPU), the browser's main thread (zygotes) and its process-
//   launcher thread (network and other utilities), chromedriver's thread that started the
//   browser. Those files are kept open and read with pread (~1.5–3 µs each), instead of walking
//   all of /proc (100–140 processes' stat, 1–2.5 ms: reference chromium-linux.md §4.3), which
//   Chromium's own thread churn would otherwise set off on most ticks.
// - Which threads fork is learned: a rescan that finds a new child of a member looks up the
//   parent's thread that lists it, once, and keeps that file open; so does the cheap path when a
//   watched thread lists a new child. A new member's main thread is watched while the member is
//   young (processes fork their first children as they start: the zygote its first renderer, a
//   shell its jobs), and a root's for good.
// - Everything else (crashpad handlers found by cmdline_marker, members that left the tree,
//   children of threads not known to fork) needs a rescan of every process (list_processes).
//   A complete one, every stat read (~1.5 ms here), on every refresh(true): launch, end and each
//   checkpoint, so a renderer born between two ticks is a member before its first checkpoint.
//   Unforced, at most every rescan_interval (1 s by default) and only if a PID was handed out
//   since the last: an incremental one (~0.1 ms), ~10 µs a tick when sampling at 10 Hz.
//
// Measured on a 9-process Chromium (bench/sample_compare.py, 2-core VM): a tick costs what its
// statm preads cost, ~25 µs in a loop, also while threads are being started (it was ~0.5–1 ms
// then, a full rescan per tick).
struct ProcessTree::Impl {
  struct Member {
    ProcessIdentity identity;
    Pid ppid = 0;
    ProcessClass cls;
    int statm_fd = -1;
    std::chrono::steady_clock::time_point found;
  };
  // A member's thread whose /proc/PID/task/TID/children is kept open. A kept fd is bound to its
  // thread: once the thread exits it reads empty, even if the TID is reused.
  struct Forker {
    Pid pid = 0;  // the member it belongs to
    int children_fd = -1;
    bool learned = false;  // it forked a member, or is a root's main thread: watched for good
    std::chrono::steady_clock::time_point until;  // otherwise watched until then (young member)
  };

  ProcessTreeOptions options;
  mutable std::mutex mutex;
  int loadavg_fd = -1;
  std::string tick_token;  // the last PID at the previous refresh
  std::string scan_token;  // ... and at the last rescan
  std::chrono::steady_clock::time_point last_scan;
  std::map<Pid, Member> members;
  std::map<Pid, Forker> forkers;  // by TID
  // Children found a zombie or gone by the cheap path, not looked at again until the next
  // rescan (a zombie stays listed until its parent reaps it).
  std::set<Pid> skipped;
  std::set<ProcessIdentity> seen;
  std::string children_text;  // reused buffer for children files
  // Non-descendants: does the cmdline match? A process caught between fork and exec still shows
  // its parent's command line, so a "no" is only final once the process has been known for
  // kYoungMember (a crashpad handler seen a moment too early was otherwise never tracked).
  struct MarkerMatch {
    bool match = false;
    std::chrono::steady_clock::time_point first_seen;
  };
  std::map<ProcessIdentity, MarkerMatch> marker_cache;

  Impl() { loadavg_fd = ::open("/proc/loadavg", O_RDONLY | O_CLOEXEC); }

  ~Impl() {
    for (auto& [pid, m] : members) {
      if (m.statm_fd >= 0) ::close(m.statm_fd);
    }
    for (auto& [tid, f] : forkers) ::close(f.children_fd);
    if (loadavg_fd >= 0) ::close(loadavg_fd);
  }

  // The 5th field of /proc/loadavg is the last PID handed out: it changes whenever any process
  // or thread is created, so an unchanged value means no new member (reference §4.3). False
  // when it cannot be read: the caller then assumes a change.
  bool read_last_pid_token(std::string& token) {
    char buffer[128];
    const ssize_t n = loadavg_fd < 0 ? -1 : ::pread(loadavg_fd, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    std::string_view text(buffer, static_cast<std::size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    token.assign(text.substr(text.rfind(' ') + 1));  // npos + 1 == 0: the whole text
    return true;
  }

  // The PIDs in a kept-open children file ("12 34 "). False when it cannot be read.
  bool read_children(int fd, std::vector<Pid>& out) {
    out.clear();
    children_text.resize(4096);
    std::size_t size = 0;
    for (;;) {
      const ssize_t n = ::pread(fd, children_text.data() + size, children_text.size() - size,
                                static_cast<off_t>(size));
      if (n < 0) return false;
      size += static_cast<std::size_t>(n);
      if (n == 0 || size < children_text.size()) break;
      children_text.resize(children_text.size() * 2);
    }
    const char* p = children_text.data();
    const char* end = p + size;
    while (p < end) {
      Pid pid = 0;
      const auto [next, ec] = std::from_chars(p, end, pid);
      if (ec == std::errc()) out.push_back(pid);
      p = next + 1;  // the separator (or a character from_chars could not take)
    }
    return true;
  }

  static int open_children(Pid pid, Pid tid) {
    const std::string path =
        "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/children";
    return ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }

  // Starts (or renews) watching one thread's children file.
  void watch(Pid pid, Pid tid, int fd, bool learned, std::chrono::steady_clock::time_point until) {
    auto [it, inserted] = forkers.try_emplace(tid);
    if (!inserted) ::close(it->second.children_fd);  // a stale thread's fd under a reused TID
    it->second = Forker{pid, fd, learned, until};
  }

  void drop(std::map<Pid, Member>::iterator it) {
    const Pid pid = it->first;
    if (it->second.statm_fd >= 0) ::close(it->second.statm_fd);
    members.erase(it);
    for (auto f = forkers.begin(); f != forkers.end();) {
      if (f->second.pid != pid) {
        ++f;
        continue;
      }
      ::close(f->second.children_fd);
      f = forkers.erase(f);
    }
  }

  // Makes a member of a process; false if it cannot be read (gone meanwhile). A descendant's
  // main thread's children file is watched while it is young (a root's for good; a process
  // found by the marker only is no parent of members), and its children are appended to
  // `children` when that is given (the cheap path follows them at once).
  bool add_member(Pid pid, const ProcStat& stat, bool descendant, std::vector<Pid>* children) {
    Member m;
    m.identity = ProcessIdentity{pid, stat.start_ticks};
    m.ppid = stat.ppid;
    m.found = std::chrono::steady_clock::now();
    // Kept-open fd + pread: ~2 µs per process instead of ~8 µs with open/read/close (§4.2).
    // A kept fd is PID-reuse-safe: it reads zeros for a zombie, ESRCH once reaped.
    m.statm_fd = ::open(("/proc/" + std::to_string(pid) + "/statm").c_str(), O_RDONLY | O_CLOEXEC);
    if (m.statm_fd < 0) return false;
    m.cls = options.classify ? options.classify(read_proc_cmdline(pid)) : ProcessClass{};
    seen.insert(m.identity);
    members.emplace(pid, std::move(m));
    if (!descendant) return true;
    const bool root =
        std::find(options.roots.begin(), options.roots.end(), pid) != options.roots.end();
    const int fd = open_children(pid, pid);
    if (fd >= 0) {
      watch(pid, pid, fd, root, std::chrono::steady_clock::now() + kYoungMember);
      std::vector<Pid> found;
      if (children && read_children(fd, found))
        children->insert(children->end(), found.begin(), found.end());
    }
    return true;
  }

  // The cheap path: the children files of the watched threads, and the children of whatever
  // they turn up. Costs one pread per watched thread when nothing is new.
  void discover_children() {
    const auto now = std::chrono::steady_clock::now();
    std::vector<Pid> listed;
    std::vector<Pid> queue;
    for (auto it = forkers.begin(); it != forkers.end();) {
      Forker& f = it->second;
      if ((!f.learned && now >= f.until) || !read_children(f.children_fd, listed)) {
        ::close(f.children_fd);
        it = forkers.erase(it);
        continue;
      }
      for (Pid child : listed) {
        if (members.count(child) || skipped.count(child)) continue;
        f.learned = true;  // it forks
        queue.push_back(child);
      }
      ++it;
    }
    while (!queue.empty()) {
      const Pid pid = queue.back();
      queue.pop_back();
      if (members.count(pid) || skipped.count(pid)) continue;
      const auto stat = read_proc_stat(pid);
      if (!stat || stat->state == 'Z' || stat->state == 'X' ||
          !add_member(pid, *stat, true, &queue)) {
        skipped.insert(pid);
      }
    }
  }

  // After a rescan found `child` of member `parent`: which of the parent's threads forked
  // it? A watched thread that lists it is kept for good; otherwise the parent's threads are
  // looked through once (~10 µs per thread; the browser has ~35).
  void learn_forker(Pid parent, Pid child) {
    std::vector<Pid> listed;
    for (auto& [tid, f] : forkers) {
      if (f.pid != parent || !read_children(f.children_fd, listed)) continue;
      if (std::find(listed.begin(), listed.end(), child) != listed.end()) {
        f.learned = true;
        return;
      }
    }
    DIR* dir = ::opendir(("/proc/" + std::to_string(parent) + "/task").c_str());
    if (!dir) return;
    while (dirent* e = ::readdir(dir)) {
      Pid tid = 0;
      const auto [end, ec] =
          std::from_chars(e->d_name, e->d_name + std::char_traits<char>::length(e->d_name), tid);
      if (ec != std::errc()) continue;
      const int fd = open_children(parent, tid);
      if (fd < 0) continue;
      if (read_children(fd, listed) &&
          std::find(listed.begin(), listed.end(), child) != listed.end()) {
        watch(parent, tid, fd, true, {});
        break;
      }
      ::close(fd);
    }
    ::closedir(dir);
  }

  // Lists every process: readdir(/proc) (~50 µs for ~100 processes), then /proc/PID/stat for
  // the ones it must know (~10 µs each). A complete rescan (forced: checkpoints, launch, end)
  // reads every stat; an unforced one (at most every rescan_interval) only the stat of a process
  // new since the last rescan, and of one whose parent has gone (its PPID changed): a /proc/PID
  // entry's inode number (d_ino) stays the same for the process's life and a process under a
  // reused PID gets a new one (procfs makes one inode per process, numbered by get_next_ino); a
  // number that changes for the same process only costs a re-read. ~0.1 ms instead of 1–2.5 ms
  // (reference chromium-linux.md §4.3), so these rescans stay a small part of the sampler's work.
  struct Known {
    ino_t ino = 0;
    ProcStat stat;
    bool read_now = false;  // stat read by this rescan, not kept from the last one
  };
  std::unordered_map<Pid, Known> known;  // every process at the last rescan

  void list_processes(bool complete) {
    std::unordered_map<Pid, Known> listed;
    listed.reserve(known.size() + 16);
    if (DIR* dir = ::opendir("/proc")) {
      while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        Pid pid = 0;
        std::from_chars(e->d_name, e->d_name + std::char_traits<char>::length(e->d_name), pid);
        Known entry;
        entry.ino = e->d_ino;
        auto before = known.find(pid);
        if (!complete && before != known.end() && before->second.ino == entry.ino) {
          entry.stat = before->second.stat;
        } else {
          auto stat = read_proc_stat(pid);
          if (!stat) continue;
          entry.stat = *stat;
          entry.read_now = true;
        }
        listed.emplace(pid, entry);
      }
      ::closedir(dir);
    }
    // A parent that exited hands its children to another process (init, a subreaper): read
    // again the stat of every kept process whose parent is not the same process as before.
    std::vector<Pid> gone;
    for (auto& [pid, entry] : listed) {
      if (entry.read_now || entry.stat.ppid <= 0) continue;
      auto parent = listed.find(entry.stat.ppid);
      auto parent_before = known.find(entry.stat.ppid);
      if (parent != listed.end() && parent_before != known.end() &&
          parent->second.ino == parent_before->second.ino) {
        continue;
      }
      if (auto stat = read_proc_stat(pid)) {
        entry.stat = *stat;
        entry.read_now = true;
      } else {
        gone.push_back(pid);
      }
    }
    for (Pid pid : gone) listed.erase(pid);
    known = std::move(listed);
  }

  void rescan(bool complete) {
    list_processes(complete);
    struct Entry {
      ProcStat stat;
    };
    // A kept stat can be a zombie's by now: one that would become a member is read again below.
    std::unordered_map<Pid, Entry> all;
    std::unordered_multimap<Pid, Pid> children;
    for (const auto& [pid, entry] : known) {
      if (entry.stat.state == 'Z' || entry.stat.state == 'X') continue;
      all[pid] = Entry{entry.stat};
      children.emplace(entry.stat.ppid, pid);
    }
    std::set<Pid> wanted;
    std::vector<Pid> queue;
    for (Pid root : options.roots) {
      if (all.count(root)) queue.push_back(root);
    }
    while (!queue.empty()) {
      const Pid pid = queue.back();
      queue.pop_back();
      if (!wanted.insert(pid).second) continue;
      auto range = children.equal_range(pid);
      for (auto it = range.first; it != range.second; ++it) queue.push_back(it->second);
    }
    const std::set<Pid> descendants = wanted;
    if (!options.cmdline_marker.empty()) {
      for (const auto& [pid, entry] : all) {
        if (wanted.count(pid)) continue;
        const ProcessIdentity id{pid, entry.stat.start_ticks};
        const auto now = std::chrono::steady_clock::now();
        auto cached = marker_cache.find(id);
        if (cached == marker_cache.end()) {
          cached = marker_cache.emplace(id, MarkerMatch{false, now}).first;
        }
        if (!cached->second.match && now - cached->second.first_seen <= kYoungMember) {
          cached->second.match =
              read_proc_cmdline(pid).find(options.cmdline_marker) != std::string::npos;
        }
        if (cached->second.match) wanted.insert(pid);
      }
      // Forget the processes that are gone, so a long run's cache stays the machine's size.
      for (auto it = marker_cache.begin(); it != marker_cache.end();) {
        auto found = all.find(it->first.pid);
        const bool gone = found == all.end() || found->second.stat.start_ticks != it->first.start_ticks;
        it = gone ? marker_cache.erase(it) : std::next(it);
      }
    }
    // Drop members that left or whose PID now belongs to another process.
    for (auto it = members.begin(); it != members.end();) {
      auto found = all.find(it->first);
      const bool same = found != all.end() &&
                        found->second.stat.start_ticks == it->second.identity.start_ticks &&
                        wanted.count(it->first);
      if (same) ++it;
      else {
        auto next = std::next(it);
        drop(it);
        it = next;
      }
    }
    std::vector<Pid> added;
    for (Pid pid : wanted) {
      if (members.count(pid)) continue;
      ProcStat stat = all[pid].stat;
      if (!known.at(pid).read_now) {
        const auto fresh = read_proc_stat(pid);
        if (!fresh || fresh->state == 'Z' || fresh->state == 'X' ||
            fresh->start_ticks != stat.start_ticks) {
          continue;
        }
        stat = *fresh;
      }
      if (add_member(pid, stat, descendants.count(pid) > 0, nullptr)) added.push_back(pid);
    }
    // Learn which threads fork, from the new descendants the cheap path did not find.
    for (Pid pid : added) {
      const Pid parent = members.at(pid).ppid;
      if (descendants.count(pid) && members.count(parent)) learn_forker(parent, pid);
    }
    skipped.clear();
  }

  // A process caught between fork and exec still shows its parent's command line (a browser
  // started by the driver looks like the driver), and a renderer forked from the zygote carries
  // the zygote's until it rewrites it. So the class is read again on every refresh while a member
  // is young, and for as long as a "zygote" has a zygote for a parent.
  void reclassify() {
    const auto now = std::chrono::steady_clock::now();
    for (auto& [pid, m] : members) {
      bool again = now - m.found < kYoungMember;
      if (m.cls.role == ProcessRole::kZygote) {
        auto parent = members.find(m.ppid);
        again = again || (parent != members.end() && parent->second.cls.role == ProcessRole::kZygote);
      }
      if (again && options.classify) m.cls = options.classify(read_proc_cmdline(pid));
    }
  }

  static constexpr std::chrono::seconds kYoungMember{2};

  bool read_member(const Member& m, ProcessReading& out) {
    char buffer[128];
    const ssize_t n = ::pread(m.statm_fd, buffer, sizeof buffer - 1, 0);
    if (n <= 0) return false;
    StatmValues statm;
    if (!parse_statm(std::string_view(buffer, static_cast<std::size_t>(n)), statm)) return false;
    if (statm.size_pages == 0 && statm.resident_pages == 0) return false;  // zombie
    out.pid = m.identity.pid;
    out.role = m.cls.role;
    out.subtype = m.cls.subtype;
    out.rss_bytes = statm.resident_pages * kPageBytes;
    out.private_bytes =
        (statm.resident_pages > statm.shared_pages ? statm.resident_pages - statm.shared_pages : 0) *
        kPageBytes;
    out.virtual_bytes = statm.size_pages * kPageBytes;
    return true;
  }
};

ProcessTree::ProcessTree(ProcessTreeOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

ProcessTree::~ProcessTree() = default;

void ProcessTree::refresh(bool force) {
  std::lock_guard lock(impl_->mutex);
  Impl& t = *impl_;
  // Read before looking, so a process born while we look moves the token for the next call.
  std::string token;
  const bool token_read = t.read_last_pid_token(token);
  const auto now = std::chrono::steady_clock::now();
  if (force ||
      ((!token_read || token != t.scan_token) && now - t.last_scan >= t.options.rescan_interval)) {
    t.rescan(/*complete=*/force);
    t.scan_token = token;
    t.last_scan = now;
  } else if (!token_read || token != t.tick_token) {
    t.discover_children();
  }
  t.tick_token = std::move(token);
  t.reclassify();
}

std::vector<ProcessReading> ProcessTree::read() {
  std::lock_guard lock(impl_->mutex);
  std::vector<ProcessReading> readings;
  readings.reserve(impl_->members.size());
  for (auto it = impl_->members.begin(); it != impl_->members.end();) {
    ProcessReading reading;
    if (impl_->read_member(it->second, reading)) {
      readings.push_back(std::move(reading));
      ++it;
    } else {
      auto next = std::next(it);
      impl_->drop(it);
      it = next;
    }
  }
  return readings;
}

std::vector<DetailedReading> ProcessTree::read_detailed() {
  std::vector<ProcessReading> cheap = read();
  std::vector<DetailedReading> detailed;
  detailed.reserve(cheap.size());
  for (auto& reading : cheap) {
    DetailedReading d;
    const std::string base = "/proc/" + std::to_string(reading.pid);
    const std::string rollup = read_file(base + "/smaps_rollup");
    d.cheap = reading;
    if (!parse_smaps_rollup(rollup, d)) continue;  // gone meanwhile
    d.cheap.rss_bytes = reading.rss_bytes;
    parse_status_memory(read_file(base + "/status"), d);
    detailed.push_back(std::move(d));
  }
  return detailed;
}

std::optional<ProcessIdentity> ProcessTree::identity_of(Pid pid) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->members.find(pid);
  if (it == impl_->members.end()) return std::nullopt;
  return it->second.identity;
}

std::vector<ProcessIdentity> ProcessTree::seen() const {
  std::lock_guard lock(impl_->mutex);
  return {impl_->seen.begin(), impl_->seen.end()};
}

}  // namespace harness
