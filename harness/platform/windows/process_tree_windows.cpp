// The browser's process tree on Windows: Toolhelp32 snapshots for membership, one kept-open
// handle per member (a PID cannot be recycled while the harness holds a handle to its process),
// psapi/ntdll counters for the cheap reading and a VirtualQueryEx walk for the detailed one
// (reference ie11-windows.md §2.2, §4.1–§4.3).
//
// Members: the roots, their descendants (Toolhelp parent PID, accepted only when the parent is
// older than the child: PPIDs are not updated when a parent exits and its PID is reused), and
// processes whose command line names a member with SCODEF:<pid> (IE tabs and Edge IE-mode tabs
// name their frame; after tab recovery the parent is not always the frame) or carries the
// options' marker.
#include <windows.h>
#include <tlhelp32.h>

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "harness/platform/windows/memory_windows.hpp"
#include "harness/platform/process_tree.hpp"
#include "harness/platform/windows_process_model.hpp"
#include "harness/platform/windows_unicode.hpp"

namespace harness {

namespace {

struct SnapshotEntry {
  Pid pid = 0;
  Pid ppid = 0;
  std::string exe;
};

std::vector<SnapshotEntry> snapshot_processes() {
  std::vector<SnapshotEntry> out;
  HANDLE snap = ::CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snap == INVALID_HANDLE_VALUE) return out;
  PROCESSENTRY32W e{};
  e.dwSize = sizeof e;
  for (BOOL ok = ::Process32FirstW(snap, &e); ok; ok = ::Process32NextW(snap, &e)) {
    out.push_back({static_cast<Pid>(e.th32ProcessID), static_cast<Pid>(e.th32ParentProcessID),
                   from_wide(e.szExeFile)});
  }
  ::CloseHandle(snap);
  return out;
}

// What is known about a process that needs opening it, cached by what Toolhelp shows.
struct Facts {
  bool readable = false;
  std::uint64_t created = 0;
  std::string cmdline;
};

}  // namespace

struct ProcessTree::Impl {
  struct Member {
    ProcessIdentity identity;
    Pid ppid = 0;
    ProcessClass cls;
    HANDLE handle = nullptr;
    std::string image;
    bool is_32bit = false;
    bool laa = false;
    bool classified_by_cmdline = false;  // false: classified by its image name only, so far
  };

  ProcessTreeOptions options;
  mutable std::mutex mutex;
  std::map<Pid, ProcessIdentity> root_ids;
  std::map<Pid, Member> members;
  std::set<ProcessIdentity> seen;
  std::map<std::tuple<Pid, Pid, std::string>, Facts> facts_cache;
  std::chrono::steady_clock::time_point last_scan{};

  ~Impl() {
    for (auto& [pid, m] : members) ::CloseHandle(m.handle);
  }

  Facts facts(const SnapshotEntry& e) {
    auto key = std::make_tuple(e.pid, e.ppid, e.exe);
    auto it = facts_cache.find(key);
    if (it != facts_cache.end()) return it->second;
    Facts f;
    HANDLE h = ::OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE,
                             static_cast<DWORD>(e.pid));
    if (!h) h = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(e.pid));
    if (h) {
      if (auto created = process_creation_time(h)) {
        f.readable = true;
        f.created = *created;
        f.cmdline = read_command_line(h);
      }
      ::CloseHandle(h);
    }
    // A process seen in the first moments of its life may not be open-able, have a creation time
    // or a command line yet (under Wine the child writes its own PEB) [measured under Wine]: not
    // cached, read again at the next scan. Processes that stay unreadable (other users', protected ones) cost
    // one failed OpenProcess per scan.
    if (!f.readable || f.cmdline.empty()) return f;
    return facts_cache.emplace(key, std::move(f)).first->second;
  }

  void drop(std::map<Pid, Member>::iterator it) {
    ::CloseHandle(it->second.handle);
    members.erase(it);
  }

  void rescan() {
    last_scan = std::chrono::steady_clock::now();
    const auto all = snapshot_processes();
    // Forget cached facts of processes that are gone.
    std::set<std::tuple<Pid, Pid, std::string>> present;
    for (const auto& e : all) present.insert({e.pid, e.ppid, e.exe});
    for (auto it = facts_cache.begin(); it != facts_cache.end();) {
      it = present.count(it->first) ? std::next(it) : facts_cache.erase(it);
    }

    // Roots not identified yet (still being created when the tree was made).
    for (Pid root : options.roots) {
      if (!root_ids.count(root)) {
        if (auto id = identify_process(root)) root_ids[root] = *id;
      }
    }
    std::map<Pid, std::uint64_t> wanted;  // pid -> creation time
    for (const auto& [pid, id] : root_ids) {
      for (const auto& e : all) {
        if (e.pid != pid) continue;
        if (const Facts f = facts(e); f.readable && f.created == id.start_ticks) {
          wanted[pid] = id.start_ticks;
        }
      }
    }
    // Descendants and SCODEF links, to a fixed point (a tab of a frame the driver started).
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& e : all) {
        if (wanted.count(e.pid)) continue;
        const Facts& f = facts(e);
        if (!f.readable) continue;
        bool member = false;
        if (auto parent = wanted.find(e.ppid); parent != wanted.end()) {
          member = parent->second <= f.created;
        }
        if (!member && options.adopted_by) {
          if (auto frame = options.adopted_by(f.cmdline)) {
            auto it = wanted.find(*frame);
            member = it != wanted.end() && it->second <= f.created;
          }
        }
        if (!member && !options.cmdline_marker.empty()) {
          member = f.cmdline.find(options.cmdline_marker) != std::string::npos;
        }
        if (member) {
          wanted[e.pid] = f.created;
          grew = true;
        }
      }
    }
    // Drop members that exited or left the tree. A member's kept-open handle pins its PID (it
    // cannot be recycled while the handle is open), so no creation times are compared here.
    for (auto it = members.begin(); it != members.end();) {
      if (wanted.count(it->first) && !exited(it->second)) ++it;
      else {
        auto next = std::next(it);
        drop(it);
        it = next;
      }
    }
    for (const auto& e : all) {
      auto w = wanted.find(e.pid);
      if (w == wanted.end() || members.count(e.pid)) continue;
      Member m;
      m.handle = ::OpenProcess(kSampleAccess, FALSE, static_cast<DWORD>(e.pid));
      if (!m.handle) m.handle = ::OpenProcess(kSampleAccessLimited, FALSE, static_cast<DWORD>(e.pid));
      if (!m.handle) continue;
      // The handle pins the process; its identity is read through it.
      const auto created = process_creation_time(m.handle);
      if (!created || exited(m)) {
        ::CloseHandle(m.handle);
        continue;
      }
      m.identity = ProcessIdentity{e.pid, *created};
      m.ppid = e.ppid;
      const Facts& f = facts(e);
      m.cls = options.classify ? options.classify(f.cmdline.empty() ? e.exe : f.cmdline)
                               : ProcessClass{};
      m.classified_by_cmdline = !f.cmdline.empty();
      m.image = process_image_path(m.handle);
      m.is_32bit = is_32bit_process(m.handle);
      if (m.is_32bit) {
        if (auto pe = read_image_header(m.image)) m.laa = pe->large_address_aware;
      }
      seen.insert(m.identity);
      members.emplace(e.pid, std::move(m));
    }
  }

  // Members first seen without a command line are classified again once it is readable.
  void reclassify_early_members() {
    for (auto& [pid, m] : members) {
      if (m.classified_by_cmdline) continue;
      const std::string cmdline = read_command_line(m.handle);
      if (cmdline.empty()) continue;
      if (options.classify) m.cls = options.classify(cmdline);
      m.classified_by_cmdline = true;
    }
  }

  static bool exited(const Member& m) { return ::WaitForSingleObject(m.handle, 0) != WAIT_TIMEOUT; }

  bool read_member(const Member& m, ProcessReading& out) {
    if (exited(m)) return false;
    const auto c = read_memory_counters(m.handle);
    if (!c) return false;
    out.pid = m.identity.pid;
    out.role = m.cls.role;
    out.subtype = m.cls.subtype;
    out.rss_bytes = c->working_set_bytes;
    out.private_bytes = c->private_bytes;
    out.virtual_bytes = c->virtual_bytes;
    return true;
  }
};

ProcessTree::ProcessTree(ProcessTreeOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  for (Pid root : impl_->options.roots) {
    if (auto id = identify_process(root)) impl_->root_ids[root] = *id;
  }
}

ProcessTree::~ProcessTree() = default;

void ProcessTree::refresh(bool force) {
  std::lock_guard lock(impl_->mutex);
  // A Toolhelp snapshot costs ~1 ms per 100 processes; new IE processes appear once per session
  // (not per iteration as Chromium's renderers do), so an unforced refresh takes one at most
  // every options.rescan_interval (1 s by default), a forced one (checkpoints) always.
  const auto since = std::chrono::steady_clock::now() - impl_->last_scan;
  if (force || since >= impl_->options.rescan_interval) {
    impl_->rescan();
  }
  impl_->reclassify_early_members();
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
  std::lock_guard lock(impl_->mutex);
  std::vector<DetailedReading> readings;
  for (auto it = impl_->members.begin(); it != impl_->members.end();) {
    const auto& m = it->second;
    DetailedReading d;
    if (!impl_->read_member(m, d.cheap)) {
      auto next = std::next(it);
      impl_->drop(it);
      it = next;
      continue;
    }
    if (const auto c = read_memory_counters(m.handle)) d.peak_rss_bytes = c->peak_working_set_bytes;
    d.is_32bit = m.is_32bit;
    d.large_address_aware = m.laa;
    const auto space = summarize_address_space(
        walk_address_space(m.handle, user_address_limit(m.is_32bit, m.laa)),
        user_address_limit(m.is_32bit, m.laa));
    d.largest_free_block_bytes = space.largest_free_bytes;
    d.free_bytes = space.free_bytes;
    readings.push_back(std::move(d));
    ++it;
  }
  return readings;
}

std::vector<ProcessIdentity> ProcessTree::seen() const {
  std::lock_guard lock(impl_->mutex);
  return {impl_->seen.begin(), impl_->seen.end()};
}

std::optional<ProcessIdentity> ProcessTree::identity_of(Pid pid) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->members.find(pid);
  if (it == impl_->members.end()) return std::nullopt;
  return it->second.identity;
}

}  // namespace harness
