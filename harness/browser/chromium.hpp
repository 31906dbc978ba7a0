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

class ChromiumProfile final : public BrowserProfile {
 public:
  std::string name() const override { return "chromium"; }
  std::string description() const override {
    return "Debian Chromium via chromedriver (W3C WebDriver) + CDP";
  }
  std::unique_ptr<BrowserSession> launch(const LaunchOptions& options) const override;
};

}  // namespace harness
