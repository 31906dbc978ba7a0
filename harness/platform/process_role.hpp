// What a browser process is for, from its command line. Pure functions; tested on real
// command lines captured from Chromium 156 (reference chromium-linux.md §2.1).
#pragma once

#include <string>
#include <string_view>

namespace harness {

enum class ProcessRole {
  kDriver,    // chromedriver / IEDriverServer: the process the harness launched
  kBrowser,   // Chromium's browser process (no --type); IE's frame process
  kRenderer,  // --type=renderer; IE's tab process
  kGpu,       // --type=gpu-process
  kUtility,   // --type=utility; the sub-type says which service
  kZygote,    // --type=zygote
  kCrashpad,  // chrome_crashpad_handler
  kOther,
};

const char* role_name(ProcessRole role);

struct ProcessClass {
  ProcessRole role = ProcessRole::kOther;
  std::string subtype;  // --utility-sub-type=..., "webui" for --top-chrome-webui renderers
};

// Classifies a Chromium process by its space-joined command line. `is_driver` is for the root
// the harness itself launched.
ProcessClass classify_chromium(std::string_view cmdline);

}  // namespace harness
