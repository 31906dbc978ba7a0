#include <fmt/format.h>

#include "harness/browser/ie_profile.hpp"
#include "harness/error.hpp"

namespace harness {

// The profile is known by name, so a scenario naming it validates; launching it says the run
// needs harness.exe on Windows and the run is recorded as not started (exit code 3). Nothing
// is imitated.
std::unique_ptr<BrowserSession> launch_ie_session(const IeProfileSpec& spec, const LaunchOptions&) {
  throw LaunchError(fmt::format(
      "{} ({}) runs on Windows with IE11: use harness.exe from the Windows release "
      "(docs/windows-lab.md); this harness was built for Linux",
      spec.name, spec.description));
}

bool ie_sessions_available() { return false; }

std::vector<ReadinessRow> ie_readiness(const std::string&) {
  return {{"ie11 profiles",
           "run with harness.exe on Windows (the release zip; docs/windows-lab.md)", true}};
}

}  // namespace harness
