// The registry of browser profiles this build knows.
#include <fmt/format.h>

#include <memory>

#include "harness/browser/chromium.hpp"
#include "harness/browser/ie.hpp"
#include "harness/browser/profile.hpp"
#include "harness/error.hpp"

namespace harness {

namespace {

// The IE11 / Edge IE mode profiles (harness/browser/ie.hpp) are known by name everywhere, so a
// scenario naming them validates; their session is built on Windows only. Here, launching one
// says so and the run is recorded as not started (exit code 3), nothing is imitated.
class IeProfileUnavailable final : public BrowserProfile {
 public:
  explicit IeProfileUnavailable(const IeProfileSpec& spec) : spec_(spec) {}
  std::string name() const override { return spec_.name; }
  std::string description() const override { return spec_.description; }
  std::unique_ptr<BrowserSession> launch(const LaunchOptions&) const override {
    throw LaunchError(fmt::format(
        "{} ({}) runs on Windows with IE11 and IEDriverServer; this harness was built for Linux "
        "and has no IE session. See docs/windows-lab.md",
        spec_.name, spec_.description));
  }

 private:
  const IeProfileSpec& spec_;
};

const std::vector<std::unique_ptr<BrowserProfile>>& registry() {
  static const std::vector<std::unique_ptr<BrowserProfile>> kProfiles = [] {
    std::vector<std::unique_ptr<BrowserProfile>> profiles;
    profiles.push_back(std::make_unique<ChromiumProfile>());
    for (const auto& spec : ie_profiles()) {
      profiles.push_back(std::make_unique<IeProfileUnavailable>(spec));
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
