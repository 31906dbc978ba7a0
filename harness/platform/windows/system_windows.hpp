// Facts about the Windows host the harness runs on (Windows only).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace harness {

// Wine exports wine_get_version from ntdll; real Windows does not. Tests use it to turn a known
// Wine difference into a skip with its reason (reference ie11-windows.md §6.4), never a pass.
bool running_under_wine();
std::string wine_version();  // "" on Windows

// FormatMessage text of a Win32 error code: "Access is denied. (5)".
std::string windows_error_text(std::uint32_t code);

// The harness process itself is elevated (may write HKLM, dump elevated processes).
bool process_is_elevated();

}  // namespace harness
