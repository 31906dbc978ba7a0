// What a Chromium process is for, from its command line (--type=, --utility-sub-type=,
// --top-chrome-webui). Pure; tested on real command lines captured from Chromium 156
// (reference chromium-linux.md §2.1).
#pragma once

#include <string_view>

#include "harness/model/process.hpp"

namespace harness {

// Classifies a Chromium process by its space-joined command line.
ProcessClass classify_chromium(std::string_view cmdline);

}  // namespace harness
