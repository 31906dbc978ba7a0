#include <fcntl.h>
#include <unistd.h>

#include <charconv>

#include "harness/platform/linux/proc_stat.hpp"

namespace harness {

namespace {
std::string read_small_file(const std::string& path) {
  std::string text;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > (1u << 20)) break;
  }
  ::close(fd);
  return text;
}
}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos || close + 2 >= text.size()) return std::nullopt;
  std::string_view rest = text.substr(close + 2);  // starts at field 3 (state)
  ProcStat stat;
  int field = 3;
  std::size_t pos = 0;
  while (pos < rest.size() && field <= 22) {
    std::size_t end = rest.find(' ', pos);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view token = rest.substr(pos, end - pos);
    if (field == 3 && !token.empty()) stat.state = token[0];
    if (field == 4) std::from_chars(token.data(), token.data() + token.size(), stat.ppid);
    if (field == 22) {
      std::from_chars(token.data(), token.data() + token.size(), stat.start_ticks);
      return stat;
    }
    pos = end + 1;
    ++field;
  }
  return std::nullopt;
}

std::optional<ProcStat> read_proc_stat(Pid pid) {
  const std::string text = read_small_file("/proc/" + std::to_string(pid) + "/stat");
  if (text.empty()) return std::nullopt;
  return parse_proc_stat(text);
}

std::string read_proc_cmdline(Pid pid) {
  std::string text = read_small_file("/proc/" + std::to_string(pid) + "/cmdline");
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace harness
