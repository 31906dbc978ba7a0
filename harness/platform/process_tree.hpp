// The browser's process tree and its memory, for the sampler and checkpoints.
// Linux: process_tree_linux.cpp (/proc); Windows: process_tree_windows.cpp (Toolhelp32).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/platform/process.hpp"
#include "harness/model/process.hpp"

namespace harness {

using ProcessClassifier = std::function<ProcessClass(std::string_view cmdline)>;
// A process that is not a descendant of the tree's members can still belong to it: IE's tab
// processes name their frame on the command line (SCODEF:<frame pid>, browser/ie.hpp). Returns
// the member it belongs to, or nullopt.
using ProcessAdopter = std::function<std::optional<Pid>(std::string_view cmdline)>;

struct ProcessTreeOptions {
  std::vector<Pid> roots;  // processes the harness launched (the driver)
  ProcessClassifier classify;
  // Also track processes whose command line contains this text though they are not descendants
  // (Chromium's crashpad handlers detach; their --database= is the run's own dump folder).
  std::string cmdline_marker;
  ProcessAdopter adopted_by;  // empty: descendants (and the marker) only
  // An unforced refresh() looks at every process on the machine at most this often, and only if
  // one was created since it last did; refresh(true) always does. In between, Linux finds new
  // descendants through the member threads known to fork (process_tree_linux.cpp).
  std::chrono::milliseconds rescan_interval{1000};
};

// What a run reads of its browser's processes and how it ends one: the local ProcessTree below,
// or the processes of a Grid session on a node, read and ended by that node's `harness agent`
// (grid/remote_session.cpp).
class ProcessSource {
 public:
  virtual ~ProcessSource() = default;
  virtual void refresh(bool force = false) = 0;
  virtual std::vector<ProcessReading> read() = 0;
  virtual std::vector<DetailedReading> read_detailed() = 0;
  virtual std::vector<ProcessIdentity> seen() const = 0;
  virtual std::optional<ProcessIdentity> identity_of(Pid pid) const = 0;
  // False when the processes live on another machine: their PIDs mean nothing here (the cleanup
  // journal must not record them).
  virtual bool local() const { return true; }
  // The ceiling guard's controls (run/ceiling_guard.hpp); local: platform/process.hpp.
  virtual std::optional<ProcessStatus> status(Pid pid);
  virtual void kill(const ProcessIdentity& identity);
  virtual bool set_data_limit(const ProcessIdentity& identity, std::uint64_t bytes,
                              std::string* error);
};

class ProcessTree final : public ProcessSource {
 public:
  explicit ProcessTree(ProcessTreeOptions options);
  ~ProcessTree() override;
  ProcessTree(const ProcessTree&) = delete;
  ProcessTree& operator=(const ProcessTree&) = delete;

  // Finds new members and drops those that left the tree by looking at every process: when
  // forced (checkpoints), otherwise at most every options.rescan_interval. Linux also finds the
  // members' new children on every call, cheaply. Renderers come and go (a cross-site iframe
  // gets a renderer per iteration).
  void refresh(bool force = false) override;
  // One cheap reading of every member; members found gone are dropped.
  std::vector<ProcessReading> read() override;
  std::vector<DetailedReading> read_detailed() override;
  // Every process that was ever a member, for making sure they are all gone at the end.
  std::vector<ProcessIdentity> seen() const override;
  // The identity of a current member.
  std::optional<ProcessIdentity> identity_of(Pid pid) const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parsers of the /proc files, exposed for tests.
struct StatmValues {
  std::uint64_t size_pages = 0, resident_pages = 0, shared_pages = 0;
};
bool parse_statm(std::string_view text, StatmValues& out);
// Fills pss/smaps_private/swap from smaps_rollup text (kB lines) and rss into cheap.rss_bytes.
bool parse_smaps_rollup(std::string_view text, DetailedReading& out);
// VmHWM and VmData from /proc/PID/status text.
void parse_status_memory(std::string_view text, DetailedReading& out);

}  // namespace harness
