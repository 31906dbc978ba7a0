// The registry of browser profiles this build knows.
#include <memory>

#include "harness/browser/chromium.hpp"
#include "harness/browser/ie_profile.hpp"
#include "harness/browser/profile.hpp"

namespace harness {

namespace {

const std::vector<std::unique_ptr<BrowserProfile>>& registry() {
  static const std::vector<std::unique_ptr<BrowserProfile>> kProfiles = [] {
    std::vector<std::unique_ptr<BrowserProfile>> profiles;
    profiles.push_back(std::make_unique<ChromiumProfile>());
    for (const auto& spec : ie_profiles()) {
      profiles.push_back(make_ie_profile(spec));
    }
    return profiles;
  }();
  return kProfiles;
}
}  // namespace

const BrowserProfile* find_browser_profile(const std::string& name) {
  for (const auto& p : registry()) {
    if (p->name() == name) return p.get();
  }
  return nullptr;
}

std::vector<std::string> browser_profile_names() {
  std::vector<std::string> names;
  for (const auto& p : registry()) names.push_back(p->name());
  return names;
}

}  // namespace harness
