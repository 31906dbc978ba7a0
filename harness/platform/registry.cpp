#include "harness/platform/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "harness/platform/windows_unicode.hpp"

namespace harness {

std::string parent_key_path(std::string_view path) {
  const auto slash = path.rfind('\\');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

const char* hive_name(RegistryHive hive) {
  return hive == RegistryHive::kCurrentUser ? "HKCU" : "HKLM";
}

std::optional<RegistryHive> parse_hive(std::string_view name) {
  if (name == "HKCU" || name == "HKEY_CURRENT_USER") return RegistryHive::kCurrentUser;
  if (name == "HKLM" || name == "HKEY_LOCAL_MACHINE") return RegistryHive::kLocalMachine;
  return std::nullopt;
}

std::string describe_key(const RegistryKey& key) {
  // Only HKLM\SOFTWARE is redirected; naming the view elsewhere would only confuse.
  const bool redirected = key.hive == RegistryHive::kLocalMachine && key.view == RegistryView::k32;
  return fmt::format("{}\\{}{}", hive_name(key.hive), key.path,
                     redirected ? " [32-bit view]" : "");
}

std::string describe_value(const RegistryKey& key, std::string_view name) {
  return fmt::format("{}!{}", describe_key(key), name);
}

RegistryValue RegistryValue::dword(std::uint32_t value) {
  RegistryValue v;
  v.type = RegistryType::kDword;
  for (int i = 0; i < 4; ++i) v.data.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  return v;
}

RegistryValue RegistryValue::string(std::string_view utf8) {
  RegistryValue v;
  v.type = RegistryType::kSz;
  for (char16_t c : utf8_to_utf16(utf8)) {
    v.data.push_back(static_cast<std::uint8_t>(c & 0xFF));
    v.data.push_back(static_cast<std::uint8_t>(c >> 8));
  }
  v.data.push_back(0);
  v.data.push_back(0);
  return v;
}

std::string RegistryValue::as_text() const {
  if (type == RegistryType::kDword && data.size() >= 4) {
    std::uint32_t n = 0;
    for (int i = 3; i >= 0; --i) n = (n << 8) | data[static_cast<std::size_t>(i)];
    return std::to_string(n);
  }
  if (type != RegistryType::kSz && type != RegistryType::kExpandSz) return {};
  std::u16string text;
  for (std::size_t i = 0; i + 1 < data.size(); i += 2) {
    const char16_t c = static_cast<char16_t>(data[i] | (data[i + 1] << 8));
    if (c == 0) break;
    text += c;
  }
  return utf16_to_utf8(text);
}

std::optional<std::uint32_t> RegistryValue::as_number() const {
  if (type == RegistryType::kDword) {
    if (data.size() < 4) return std::nullopt;
    return static_cast<std::uint32_t>(std::stoul(as_text()));
  }
  if (type != RegistryType::kSz) return std::nullopt;
  const std::string text = as_text();
  if (text.empty() || text.size() > 10 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const unsigned long long n = std::stoull(text);
  if (n > 0xFFFFFFFFull) return std::nullopt;
  return static_cast<std::uint32_t>(n);
}

std::string RegistryValue::describe() const {
  switch (type) {
    case RegistryType::kDword: {
      const auto n = as_number().value_or(0);
      return fmt::format("REG_DWORD 0x{:08x} ({})", n, n);
    }
    case RegistryType::kSz: return fmt::format("REG_SZ \"{}\"", as_text());
    case RegistryType::kExpandSz: return fmt::format("REG_EXPAND_SZ \"{}\"", as_text());
    default: return fmt::format("type {} ({} bytes)", static_cast<std::uint32_t>(type), data.size());
  }
}

bool equivalent_values(const RegistryValue& a, const RegistryValue& b) {
  if (a == b) return true;
  const auto na = a.as_number(), nb = b.as_number();
  if (na && nb) return *na == *nb;
  const bool sa = a.type == RegistryType::kSz || a.type == RegistryType::kExpandSz;
  const bool sb = b.type == RegistryType::kSz || b.type == RegistryType::kExpandSz;
  if (!sa || !sb) return false;
  std::string ta = a.as_text(), tb = b.as_text();
  auto lower = [](std::string& s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  lower(ta);
  lower(tb);
  return ta == tb;
}

}  // namespace harness
