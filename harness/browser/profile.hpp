// Browser profiles (DESIGN.md §3): how to launch a browser and its driver, find and classify
// its processes, and read its internal counters. One implementation per family; the registry
// below names them.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/drive/driver.hpp"
#include "harness/platform/process_tree.hpp"
#include "harness/sample/sampler.hpp"
#include "harness/scenario/scenario.hpp"

namespace harness {

class CleanupJournal;

struct LaunchOptions {
  std::filesystem::path run_dir;      // driver log and dumps go here
  std::filesystem::path temp_parent;  // the temporary profile goes under it; empty: system temp
  Timeouts timeouts;
  std::string chromium_binary = "/usr/bin/chromium";
  std::string chromedriver_binary = "/usr/bin/chromedriver";
  bool headless = true;
  std::vector<std::string> extra_args;
  // Keep the page's debugger enabled from the start: the only way to get the JavaScript stack of
  // a page that hangs later (Debugger.enable on a hung page never returns). Off by default: it
  // distorts the memory curves (measured on vtm-review retention=none: renderer private memory
  // +600 KiB per iteration with the debugger on, flat without; it keeps every parsed script).
  bool hang_stacks = false;
  // Page mode: open the browser at this URL with no driver (the page runs the workflow).
  std::string page_url;
  // Where the session writes down its temporary folders and the process groups it starts,
  // before it starts them, so a killed harness leaves nothing behind (may be null).
  CleanupJournal* journal = nullptr;
  // Where a driven browser opens first (IEDriverServer's initialBrowserUrl: the zone of the
  // harness's server matters to IE).
  std::string initial_url;
  // IE profiles (Windows). IEDriverServer.exe of the profile's bitness; empty: drivers\x86 or
  // drivers\x64 beside harness.exe, then PATH.
  std::string iedriver_binary;
  // The iexplore.exe page mode launches; empty: the system's IE11 of the profile's bitness.
  std::string ie_binary;
  // The ActiveX plugin under test ("{CLSID}"): its DLL and version go into the run's
  // environment; a plugin the profile's tab cannot load is a finding of the run.
  std::string activex_clsid;
  // Chromium: unpacked extensions to load (scenario components that are on). One that the
  // browser refuses fails the launch with the browser's own reason.
  struct Extension {
    std::string name;
    std::filesystem::path folder;  // absolute
  };
  std::vector<Extension> extensions;
  // IE: ActiveX add-on components, each enabled (on) or disabled (off) for the run in the
  // registry through the registry journal, restored at the end.
  struct AddOn {
    std::string name;
    std::string clsid;
    bool enabled = true;
  };
  std::vector<AddOn> add_ons;
  // The registry journals of the values a profile applies (restored at the end, and by the next
  // harness after a kill).
  std::filesystem::path registry_journal_dir;
};

// How a browser writes the dumps of the dump rules.
struct DumpFormat {
  std::string kind;       // "heap_snapshot" (DevTools, Chromium), "minidump" (full memory, IE)
  std::string extension;  // ".heapsnapshot", ".dmp"
};

// Something the browser told us on its own (a renderer crash, a detached target).
struct BrowserNotice {
  std::string kind;  // "crashed", "detached"
  std::string message;
  nlohmann::json details = nlohmann::json::object();
};

// An uncaught JavaScript error of the page (drive/scripts/error_recorder.js).
struct PageError {
  std::string message;
  std::string source;  // url:line:column
};

// What end() did, for the run's record.
struct EndReport {
  std::size_t processes_seen = 0;
  std::vector<ProcessIdentity> survivors;  // still alive after every attempt (should be empty)
  bool temp_removed = true;
  std::string temp_dir;
  // What else the session undid at its end, for the run's browser_ended event: a phrase for
  // its message and the figures (IE: "registry: 6 value(s) applied, 6 restored").
  std::string note;
  nlohmann::json details = nlohmann::json::object();
};

class BrowserSession {
 public:
  virtual ~BrowserSession() = default;
  virtual Driver& driver() = 0;
  virtual GarbageCollector& garbage_collector() = 0;
  virtual ProcessSource& process_tree() = 0;
  // Starts sampling the session's processes every `interval` into `sink`, until the returned
  // object is destroyed. Local sessions: a Sampler over process_tree(); a Grid session: the
  // batches its node's agent takes.
  virtual std::unique_ptr<SampleSource> start_sampling(std::chrono::milliseconds interval,
                                                       SamplerClock clock,
                                                       SampleSource::Sink sink) {
    return std::make_unique<Sampler>(process_tree(), interval, std::move(clock), std::move(sink));
  }
  // Browser-internal counters of the page under test (checkpoint metrics page.*, dom.*).
  // Throws when the page does not answer.
  virtual std::map<std::string, double> read_page_counters() = 0;
  virtual std::string browser_version() const = 0;
  virtual std::string driver_version() const = 0;
  virtual nlohmann::json environment() const = 0;
  virtual std::vector<BrowserNotice> take_notices() = 0;
  // False once the process the session launched (driver, or browser in page mode) has exited or
  // the DevTools connection closed: the browser is gone even if nothing reported it.
  virtual bool alive() = 0;
  // The page's JavaScript errors since the last call (all frames); throws when the page does not
  // answer.
  virtual std::vector<PageError> take_page_errors() = 0;

  // Evidence and control for ceilings, hangs and dump rules. Each may be called from any thread.
  // The page's answer time to a trivial script, or nullopt when it did not answer in time.
  virtual std::optional<double> ping_page_ms(std::chrono::milliseconds timeout) = 0;
  // The JavaScript stack of a hung page as JSON text ("" when unavailable).
  virtual std::string capture_hang_stack(std::chrono::milliseconds timeout) = 0;
  // Crashes the page's renderer the way a real crash does (Chromium writes a minidump).
  virtual void crash_page() = 0;
  // The dump rules' dump of the page into `file` — a DevTools heap snapshot in Chromium, a
  // full-memory minidump of the tab process in IE (what `procdump -ma` writes); returns its
  // size in bytes. Throws on failure.
  virtual std::uint64_t write_heap_snapshot(const std::filesystem::path& file) = 0;
  // Where the browser's own crash dumps land.
  virtual std::filesystem::path dumps_dir() const = 0;
  // Deletes the session, ends every process the session started (by process group and recorded
  // PIDs, never by name) and removes the temporary profile. Idempotent; never throws.
  virtual EndReport end() = 0;
};

class BrowserProfile {
 public:
  virtual ~BrowserProfile() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  // Throws LaunchError; on failure nothing it started is left running.
  virtual std::unique_ptr<BrowserSession> launch(const LaunchOptions& options) const = 0;
  // Which kinds of scenario components its sessions apply (LaunchOptions::extensions,
  // LaunchOptions::add_ons); a run records the others as not applicable.
  virtual bool loads_extensions() const { return false; }
  virtual bool loads_add_ons() const { return false; }
  // Whether a co-running program started on this machine runs beside its browser (not on a
  // Grid, where the browser is on a node).
  virtual bool runs_beside_programs() const { return true; }
  // What its sessions' write_heap_snapshot writes.
  virtual DumpFormat dump_format() const { return {"heap_snapshot", ".heapsnapshot"}; }
};

const BrowserProfile* find_browser_profile(const std::string& name);
std::vector<std::string> browser_profile_names();

}  // namespace harness
