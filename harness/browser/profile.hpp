// Browser profiles (DESIGN.md §3): how to launch a browser and its driver, find and classify
// its processes, and read its internal counters. One implementation per family; the registry
// below names them.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/drive/driver.hpp"
#include "harness/platform/process_tree.hpp"
#include "harness/scenario/scenario.hpp"

namespace harness {

struct LaunchOptions {
  std::filesystem::path run_dir;      // driver log and dumps go here
  std::filesystem::path temp_parent;  // the temporary profile goes under it; empty: system temp
  Timeouts timeouts;
  std::string chromium_binary = "/usr/bin/chromium";
  std::string chromedriver_binary = "/usr/bin/chromedriver";
  bool headless = true;
  std::vector<std::string> extra_args;
};

// Something the browser told us on its own (a renderer crash, a detached target).
struct BrowserNotice {
  std::string kind;  // "crashed", "detached"
  std::string message;
  nlohmann::json details = nlohmann::json::object();
};

// What end() did, for the run's record.
struct EndReport {
  std::size_t processes_seen = 0;
  std::vector<ProcessIdentity> survivors;  // still alive after every attempt (should be empty)
  bool temp_removed = true;
  std::string temp_dir;
};

class BrowserSession {
 public:
  virtual ~BrowserSession() = default;
  virtual Driver& driver() = 0;
  virtual GarbageCollector& garbage_collector() = 0;
  virtual ProcessTree& process_tree() = 0;
  // Browser-internal counters of the page under test (checkpoint metrics page.*, dom.*).
  // Throws when the page does not answer.
  virtual std::map<std::string, double> read_page_counters() = 0;
  virtual std::string browser_version() const = 0;
  virtual std::string driver_version() const = 0;
  virtual nlohmann::json environment() const = 0;
  virtual std::vector<BrowserNotice> take_notices() = 0;
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
};

const BrowserProfile* find_browser_profile(const std::string& name);
std::vector<std::string> browser_profile_names();

}  // namespace harness
