// UTF-8 <-> UTF-16 for the Windows code paths: registry strings are stored as UTF-16LE bytes
// (also in the portable journal and in the fake registry of the Linux tests), and every Win32
// call of the harness is the W variant. Pure; invalid input becomes U+FFFD, never an exception.
#pragma once

#include <string>
#include <string_view>

namespace harness {

std::u16string utf8_to_utf16(std::string_view text);
std::string utf16_to_utf8(std::u16string_view text);

#ifdef _WIN32
// wchar_t is UTF-16 on Windows.
inline std::wstring to_wide(std::string_view text) {
  const std::u16string u = utf8_to_utf16(text);
  return std::wstring(u.begin(), u.end());
}
inline std::string from_wide(std::wstring_view text) {
  return utf16_to_utf8(std::u16string(text.begin(), text.end()));
}
#endif

}  // namespace harness
