#include "harness/model/process.hpp"

namespace harness {

const char* role_name(ProcessRole role) {
  switch (role) {
    case ProcessRole::kDriver: return "driver";
    case ProcessRole::kBrowser: return "browser";
    case ProcessRole::kRenderer: return "renderer";
    case ProcessRole::kGpu: return "gpu";
    case ProcessRole::kUtility: return "utility";
    case ProcessRole::kZygote: return "zygote";
    case ProcessRole::kCrashpad: return "crashpad";
    case ProcessRole::kOther: return "other";
  }
  return "other";
}

}  // namespace harness
