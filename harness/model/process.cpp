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
    case ProcessRole::kComponent: return "component";
    case ProcessRole::kOther: return "other";
  }
  return "other";
}

ProcessRole role_from_name(std::string_view name) {
  for (auto role : {ProcessRole::kDriver, ProcessRole::kBrowser, ProcessRole::kRenderer,
                    ProcessRole::kGpu, ProcessRole::kUtility, ProcessRole::kZygote,
                    ProcessRole::kCrashpad, ProcessRole::kComponent}) {
    if (name == role_name(role)) return role;
  }
  return ProcessRole::kOther;
}

}  // namespace harness
