#include <fmt/format.h>

#include "harness/browser/ie_profile.hpp"
#include "harness/error.hpp"

namespace harness {

namespace {

// The profile is known by name, so a scenario naming it validates; launching it says the run
// needs harness.exe on Windows and the run is recorded as not started (exit code 3). Nothing
// is imitated.
class IeProfileNeedsWindows final : public BrowserProfile {
 public:
  explicit IeProfileNeedsWindows(const IeProfileSpec& spec) : spec_(spec) {}
  std::string name() const override { return spec_.name; }
  std::string description() const override { return spec_.description; }
  DumpFormat dump_format() const override { return {"minidump", ".dmp"}; }
  std::unique_ptr<BrowserSession> launch(const LaunchOptions&) const override {
    throw LaunchError(fmt::format(
        "{} ({}) runs on Windows with IE11: use harness.exe from the Windows release "
        "(docs/windows-lab.md); this harness was built for Linux",
        spec_.name, spec_.description));
  }

 private:
  const IeProfileSpec& spec_;
};

}  // namespace

std::unique_ptr<BrowserProfile> make_ie_profile(const IeProfileSpec& spec) {
  return std::make_unique<IeProfileNeedsWindows>(spec);
}

bool ie_sessions_available() { return false; }

std::vector<ReadinessRow> ie_readiness(const std::string&) {
  return {{"ie11 profiles",
           "run with harness.exe on Windows (the release zip; docs/windows-lab.md)", true}};
}

}  // namespace harness
