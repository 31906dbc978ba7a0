// The `chromium` profile: Debian's Chromium driven by chromedriver (W3C WebDriver) for steps,
// with a raw CDP connection to the same browser (goog:chromeOptions.debuggerAddress) for GC and
// counters.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/browser/profile.hpp"

namespace harness {

// Flags every Chromium run gets. Root in a closed network needs the first group (DEVELOPERS.md);
// the lean group removes the omnibox WebUI renderer and the spare renderer, which otherwise
// add processes and 4–8 ms of CPU per iframe iteration (reference chromium-linux.md §2.2).
std::vector<std::string> chromium_flags(bool headless);

// The W3C alwaysMatch capabilities for chromedriver.
nlohmann::json chromium_capabilities(const std::string& binary, const std::string& user_data_dir,
                                     bool headless, const std::vector<std::string>& extra_args);

// "ChromeDriver was started successfully on port 38057." -> 38057; 0 when absent.
int parse_chromedriver_port(const std::string& log_text);

// A Chromium somebody else launched (a Selenium Grid node's chromedriver), taken over on its own
// machine by `harness agent` (grid/agent.hpp): DevTools at its debuggerAddress for GC, counters,
// errors, hang stacks and heap snapshots, its process tree from the browser's PID down. It has no
// driver (the steps go through the Grid); end() waits for the browser to exit after the Grid
// session was deleted, then ends what is left of that tree, by PID.
struct ChromiumAttachSpec {
  std::string debugger_address;  // goog:chromeOptions.debuggerAddress, "localhost:39949"
  Pid browser_pid = 0;           // goog:processID
  std::string page_target;       // the tab's CDP target id (chromedriver's window handle)
  std::filesystem::path dumps_dir;  // heap snapshots are written here
  bool hang_stacks = false;
};
// Throws LaunchError when the browser cannot be reached.
std::unique_ptr<BrowserSession> attach_chromium(const ChromiumAttachSpec& spec);

class ChromiumProfile final : public BrowserProfile {
 public:
  std::string name() const override { return "chromium"; }
  std::string description() const override {
    return "Debian Chromium via chromedriver (W3C WebDriver) + CDP";
  }
  bool loads_extensions() const override { return true; }
  std::unique_ptr<BrowserSession> launch(const LaunchOptions& options) const override;
};

}  // namespace harness
