#include "harness/platform/windows_process_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace harness {

namespace {

std::uint16_t u16_at(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) |
                                    (static_cast<unsigned char>(b[at + 1]) << 8));
}

std::uint32_t u32_at(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(u16_at(b, at)) |
         (static_cast<std::uint32_t>(u16_at(b, at + 2)) << 16);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Whitespace-separated tokens, without interpreting quotes: the tokens IE puts on a tab's
// command line never contain spaces, and a quoted program path is skipped as a whole.
template <typename F>
void for_each_token(std::string_view cmdline, F&& f) {
  std::size_t i = 0;
  if (!cmdline.empty() && cmdline[0] == '"') {
    const auto close = cmdline.find('"', 1);
    i = close == std::string_view::npos ? cmdline.size() : close + 1;
  }
  while (i < cmdline.size()) {
    while (i < cmdline.size() && is_space(cmdline[i])) ++i;
    const std::size_t begin = i;
    while (i < cmdline.size() && !is_space(cmdline[i])) ++i;
    if (i > begin && f(cmdline.substr(begin, i - begin))) return;
  }
}

}  // namespace

std::optional<PeImageInfo> parse_pe_header(std::string_view b) {
  // IMAGE_DOS_HEADER: "MZ", e_lfanew at 0x3c. IMAGE_NT_HEADERS: "PE\0\0", IMAGE_FILE_HEADER
  // (Machine +4, Characteristics +22), optional header magic at +24.
  if (b.size() < 0x40 || b[0] != 'M' || b[1] != 'Z') return std::nullopt;
  const std::uint32_t pe = u32_at(b, 0x3c);
  if (pe > b.size() || b.size() - pe < 26 || std::memcmp(b.data() + pe, "PE\0\0", 4) != 0) {
    return std::nullopt;
  }
  PeImageInfo info;
  info.machine = u16_at(b, pe + 4);
  info.characteristics = u16_at(b, pe + 22);
  info.large_address_aware = (info.characteristics & 0x0020) != 0;
  if (b.size() - pe >= 26) info.pe32_plus = u16_at(b, pe + 24) == 0x20b;
  return info;
}

std::uint64_t user_address_limit(bool is_32bit, bool large_address_aware) {
  if (!is_32bit) return kUserSpace64Bytes;
  return large_address_aware ? kUserSpace32LaaBytes : kUserSpace32Bytes;
}

AddressSpaceSummary summarize_address_space(const std::vector<MemoryRegion>& regions,
                                            std::uint64_t limit) {
  AddressSpaceSummary s;
  s.limit_bytes = limit;
  for (const MemoryRegion& r : regions) {
    if (r.base >= limit || r.size == 0) continue;
    const std::uint64_t end = std::min(r.base + r.size, limit);
    const std::uint64_t size = end - r.base;
    ++s.regions;
    if (r.state == RegionState::kFree) {
      // Only whole 64 KiB units can be allocated.
      const std::uint64_t g = kAllocationGranularity;
      const std::uint64_t first = (r.base + g - 1) / g * g;
      const std::uint64_t last = end / g * g;
      const std::uint64_t usable = last > first ? last - first : 0;
      s.free_bytes += usable;
      s.largest_free_bytes = std::max(s.largest_free_bytes, usable);
      continue;
    }
    s.used_bytes += size;
    if (r.state == RegionState::kCommit) s.committed_bytes += size;
    else s.reserved_bytes += size;
    switch (r.type) {
      case RegionType::kImage: s.image_bytes += size; break;
      case RegionType::kMapped: s.mapped_bytes += size; break;
      case RegionType::kPrivate: s.private_bytes += size; break;
      case RegionType::kNone: break;
    }
  }
  return s;
}

std::optional<std::string_view> cmdline_token_after(std::string_view cmdline,
                                                    std::string_view prefix) {
  std::optional<std::string_view> value;
  for_each_token(cmdline, [&](std::string_view token) {
    if (token.size() <= prefix.size() || !iequals(token.substr(0, prefix.size()), prefix)) {
      return false;
    }
    value = token.substr(prefix.size());
    return true;
  });
  return value;
}

bool has_cmdline_token(std::string_view cmdline, std::string_view token) {
  bool found = false;
  for_each_token(cmdline, [&](std::string_view t) { return found = iequals(t, token); });
  return found;
}

std::string_view cmdline_program(std::string_view cmdline) {
  if (!cmdline.empty() && cmdline[0] == '"') {
    const auto close = cmdline.find('"', 1);
    return cmdline.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
  }
  std::size_t end = 0;
  while (end < cmdline.size() && !is_space(cmdline[end])) ++end;
  return cmdline.substr(0, end);
}

std::string lower_base_name(std::string_view path) {
  const auto slash = path.find_last_of("\\/");
  std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string quote_windows_argument(std::string_view arg) {
  if (!arg.empty() && arg.find_first_of(" \t\n\v\"") == std::string_view::npos) {
    return std::string(arg);
  }
  // Backslashes double only when they precede a quote (escaped) or the closing quote.
  std::string out = "\"";
  std::size_t backslashes = 0;
  for (char c : arg) {
    if (c == '\\') {
      ++backslashes;
      continue;
    }
    if (c == '"') {
      out.append(backslashes * 2 + 1, '\\');
    } else {
      out.append(backslashes, '\\');
    }
    backslashes = 0;
    out += c;
  }
  out.append(backslashes * 2, '\\');
  out += '"';
  return out;
}

std::string build_windows_command_line(std::string_view program,
                                       const std::vector<std::string>& args) {
  // The program name is parsed by other rules (no escapes): quote it whole.
  std::string line = "\"" + std::string(program) + "\"";
  for (const auto& a : args) {
    line += ' ';
    line += quote_windows_argument(a);
  }
  return line;
}

bool is_crash_exit_code(std::uint32_t code) {
  // Severity "error" NTSTATUS values; exit(-1) (0xFFFFFFFF) is an ordinary failure.
  return (code & 0xC0000000u) == 0xC0000000u && code != 0xC000013Au && code != 0xFFFFFFFFu;
}

std::string describe_exit_code(std::uint32_t code) {
  struct Known {
    std::uint32_t code;
    const char* name;
  };
  static constexpr Known kKnown[] = {
      {0xC0000005u, "access violation"},
      {0xC0000017u, "no memory"},
      {0xC000001Du, "illegal instruction"},
      {0xC00000FDu, "stack overflow"},
      {0xC0000374u, "heap corruption"},
      {0xC0000409u, "fail-fast / stack buffer overrun"},
      {0xC000013Au, "Ctrl-C"},
      {0xE06D7363u, "unhandled C++ exception"},
  };
  if ((code & 0xC0000000u) == 0) return std::to_string(code);
  for (const auto& k : kKnown) {
    if (k.code == code) return fmt::format("0x{:08X} ({})", code, k.name);
  }
  return fmt::format("0x{:08X}", code);
}

}  // namespace harness
