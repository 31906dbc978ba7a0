// The IE11 / Edge IE mode profiles as BrowserProfiles: a real session on Windows
// (browser/windows/ie_session.cpp), and on other systems a profile that says it needs Windows
// (browser/linux/ie_profile_linux.cpp), so a scenario naming IE validates everywhere.
#pragma once

#include <memory>

#include "harness/browser/ie.hpp"
#include "harness/browser/profile.hpp"

namespace harness {

std::unique_ptr<BrowserProfile> make_ie_profile(const IeProfileSpec& spec);

}  // namespace harness
