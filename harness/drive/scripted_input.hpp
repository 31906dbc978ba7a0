// What step_runner.cpp and step_batch.cpp share about scripted input: the page scripts with
// prelude.js in front, and the words for the problems they report.
#pragma once

#include <string>

#include "harness/scenario/scenario.hpp"

namespace harness::scripted {

// prelude.js + one script (click.js, batch.js, ...), built once per script.
const std::string& with_prelude(const char* body);

// What a page script's problem code means, for a step's failure message.
std::string describe(const std::string& code, const std::string& detail);

// "absent", "present" or "visible", for a wait_for's failure message.
const char* state_name(WaitState state);

}  // namespace harness::scripted
