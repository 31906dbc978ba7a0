// The IE11 / Edge IE mode profiles as BrowserProfiles: a real session on Windows
// (browser/windows/ie_session.cpp), and on other systems a profile that says it needs Windows
// (browser/linux/ie_profile_linux.cpp), so a scenario naming IE validates everywhere.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/browser/ie.hpp"
#include "harness/browser/profile.hpp"

namespace harness {

// One profile class for every system (browser/ie_profile.cpp); the session is the system's.
std::unique_ptr<BrowserProfile> make_ie_profile(const IeProfileSpec& spec);

// Starts a session of the profile (Windows: registry, IEDriverServer or iexplore.exe; elsewhere
// throws LaunchError saying it needs harness.exe on Windows). Throws LaunchError on failure,
// having ended whatever it started.
std::unique_ptr<BrowserSession> launch_ie_session(const IeProfileSpec& spec,
                                                  const LaunchOptions& options);

// True where IE sessions run (Windows builds).
bool ie_sessions_available();

// For `harness doctor`: per IE profile, what this machine has and lacks (IE11 and its bitness,
// IEDriverServer, registry values the harness would set or cannot set); elsewhere one row
// saying they need harness.exe on Windows. `ready` false: the profile cannot run here as is.
struct ReadinessRow {
  std::string key;
  std::string value;
  bool ready = true;
};
std::vector<ReadinessRow> ie_readiness(const std::string& iedriver_override);

}  // namespace harness
