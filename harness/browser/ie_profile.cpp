#include "harness/browser/ie_profile.hpp"

namespace harness {

namespace {

// A scenario naming an IE profile validates on every system; the session is the system's
// (launch_ie_session: browser/windows/ie_session.cpp, browser/linux/ie_profile_linux.cpp).
class IeProfile final : public BrowserProfile {
 public:
  explicit IeProfile(const IeProfileSpec& spec) : spec_(spec) {}
  std::string name() const override { return spec_.name; }
  std::string description() const override { return spec_.description; }
  // The dump rules write full-memory minidumps (what procdump -ma writes).
  DumpFormat dump_format() const override { return {"minidump", ".dmp"}; }
  bool loads_add_ons() const override { return true; }
  std::unique_ptr<BrowserSession> launch(const LaunchOptions& options) const override {
    return launch_ie_session(spec_, options);
  }

 private:
  const IeProfileSpec& spec_;
};

}  // namespace

std::unique_ptr<BrowserProfile> make_ie_profile(const IeProfileSpec& spec) {
  return std::make_unique<IeProfile>(spec);
}

}  // namespace harness
