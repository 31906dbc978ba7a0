#include "harness/browser/chromium_processes.hpp"

namespace harness {

namespace {
// Value of "--name=value" in a space-joined command line, or empty.
std::string_view flag_value(std::string_view cmdline, std::string_view name) {
  std::size_t pos = 0;
  while ((pos = cmdline.find(name, pos)) != std::string_view::npos) {
    const bool at_word_start = pos == 0 || cmdline[pos - 1] == ' ';
    const std::size_t value_begin = pos + name.size();
    if (at_word_start && value_begin < cmdline.size() && cmdline[value_begin] == '=') {
      std::size_t end = cmdline.find(' ', value_begin + 1);
      if (end == std::string_view::npos) end = cmdline.size();
      return cmdline.substr(value_begin + 1, end - value_begin - 1);
    }
    pos = value_begin;
  }
  return {};
}

bool has_flag(std::string_view cmdline, std::string_view name) {
  std::size_t pos = 0;
  while ((pos = cmdline.find(name, pos)) != std::string_view::npos) {
    const std::size_t end = pos + name.size();
    const bool starts = pos == 0 || cmdline[pos - 1] == ' ';
    const bool ends = end == cmdline.size() || cmdline[end] == ' ' || cmdline[end] == '=';
    if (starts && ends) return true;
    pos = end;
  }
  return false;
}
}  // namespace

ProcessClass classify_chromium(std::string_view cmdline) {
  ProcessClass out;
  const std::string_view program = cmdline.substr(0, cmdline.find(' '));
  if (program.find("chrome_crashpad_handler") != std::string_view::npos) {
    out.role = ProcessRole::kCrashpad;
    return out;
  }
  if (program.find("chromedriver") != std::string_view::npos) {
    out.role = ProcessRole::kDriver;
    return out;
  }
  const std::string_view type = flag_value(cmdline, "--type");
  if (type.empty()) {
    out.role = ProcessRole::kBrowser;
  } else if (type == "renderer") {
    out.role = ProcessRole::kRenderer;
    if (has_flag(cmdline, "--top-chrome-webui")) out.subtype = kWebUiSubtype;
  } else if (type == "gpu-process") {
    out.role = ProcessRole::kGpu;
  } else if (type == "utility") {
    out.role = ProcessRole::kUtility;
    out.subtype = std::string(flag_value(cmdline, "--utility-sub-type"));
  } else if (type == "zygote") {
    out.role = ProcessRole::kZygote;
  } else {
    out.role = ProcessRole::kOther;
    out.subtype = std::string(type);
  }
  return out;
}

}  // namespace harness
