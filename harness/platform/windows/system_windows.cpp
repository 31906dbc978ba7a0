#include "harness/platform/windows/system_windows.hpp"

#include <windows.h>

#include <fmt/format.h>

#include "harness/platform/windows_unicode.hpp"

namespace harness {

bool running_under_wine() { return !wine_version().empty(); }

std::string wine_version() {
  HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  if (!ntdll) return {};
  using WineGetVersion = const char*(__cdecl*)();
  auto fn = reinterpret_cast<WineGetVersion>(
      reinterpret_cast<void*>(::GetProcAddress(ntdll, "wine_get_version")));
  return fn ? std::string(fn()) : std::string();
}

std::string windows_error_text(std::uint32_t code) {
  wchar_t* buffer = nullptr;
  const DWORD n = ::FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, code, 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  std::string text = n ? from_wide(std::wstring_view(buffer, n)) : std::string();
  if (buffer) ::LocalFree(buffer);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text.empty() ? fmt::format("error {}", code) : fmt::format("{} ({})", text, code);
}

bool process_is_elevated() {
  HANDLE token = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token)) return false;
  TOKEN_ELEVATION elevation{};
  DWORD size = 0;
  const bool ok = ::GetTokenInformation(token, TokenElevation, &elevation, sizeof elevation, &size);
  ::CloseHandle(token);
  return ok && elevation.TokenIsElevated != 0;
}

}  // namespace harness

// ---- platform/system.hpp ----------------------------------------------------------------------

#include <io.h>

#include <atomic>
#include <cstdio>
#include <random>

#include "harness/platform/process.hpp"
#include "harness/platform/system.hpp"
#include "harness/platform/windows/registry_windows.hpp"

namespace harness {

bool stderr_is_terminal() { return ::_isatty(::_fileno(stderr)) != 0; }

bool is_executable(const std::filesystem::path& file) {
  std::error_code ec;
  return std::filesystem::is_regular_file(file, ec);
}

std::filesystem::path make_private_temp_dir(const std::filesystem::path& parent,
                                            const std::string& prefix) {
  std::random_device random;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const auto dir = parent / (prefix + std::to_string(random() % 1000000000u));
    // CreateDirectory fails when the folder exists: the folder is ours alone. Under the user's
    // %TEMP% it inherits the user's (private) permissions.
    if (::CreateDirectoryW(dir.wstring().c_str(), nullptr)) return dir;
    if (::GetLastError() != ERROR_ALREADY_EXISTS) break;
  }
  throw std::runtime_error("cannot create a folder " + prefix + "* under " + parent.string() +
                           ": " + windows_error_text(::GetLastError()));
}

std::string os_description() {
  // RtlGetVersion tells the truth where GetVersionEx is shimmed.
  using RtlGetVersion = LONG(WINAPI*)(OSVERSIONINFOW*);
  OSVERSIONINFOW info{};
  info.dwOSVersionInfoSize = sizeof info;
  if (HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll")) {
    if (auto get = reinterpret_cast<RtlGetVersion>(::GetProcAddress(ntdll, "RtlGetVersion"))) {
      get(&info);
    }
  }
  SYSTEM_INFO system{};
  ::GetNativeSystemInfo(&system);
  const char* arch = system.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_AMD64 ? "x64"
                     : system.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_INTEL ? "x86"
                                                                                      : "other";
  std::string text = "Windows " + std::to_string(info.dwMajorVersion) + "." +
                     std::to_string(info.dwMinorVersion) + "." +
                     std::to_string(info.dwBuildNumber) + " " + arch;
  if (running_under_wine()) text += " (Wine " + wine_version() + ")";
  return text;
}

std::string host_name() {
  wchar_t name[MAX_COMPUTERNAME_LENGTH + 1];
  DWORD size = MAX_COMPUTERNAME_LENGTH + 1;
  if (!::GetComputerNameW(name, &size)) return "";
  std::string out;
  for (DWORD i = 0; i < size; ++i) out += static_cast<char>(name[i] < 128 ? name[i] : '?');
  return out;
}

namespace {
std::atomic<bool>* g_stop = nullptr;
std::atomic<int> g_signals{0};

BOOL WINAPI on_console_event(DWORD) {
  if (g_signals.fetch_add(1) == 0) {
    if (g_stop) g_stop->store(true);
    std::fputs("\nharness: stopping after the current step; results so far are kept "
               "(Ctrl-C again ends the browser at once)\n",
               stderr);
    return TRUE;
  }
  kill_registered_process_groups();
  std::fputs("\nharness: killed the browser and driver; exiting\n", stderr);
  ::ExitProcess(130);
}
}  // namespace

std::vector<std::string> restore_registry_left_by_dead_harnesses(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  try {
    for (const auto& report : restore_stale_journals(dir)) {
      std::string text = "run " + report.run_id + ": " + std::to_string(report.restored) +
                         " registry value(s) restored from " + report.journal.string();
      for (const auto& failure : report.failures) text += "; NOT restored: " + failure;
      out.push_back(text);
    }
  } catch (const std::exception& e) {
    out.push_back(std::string("the registry journals in ") + dir.string() +
                  " could not be restored: " + e.what());
  }
  return out;
}

void install_stop_handlers(std::atomic<bool>& stop) {
  g_stop = &stop;
  ::SetConsoleCtrlHandler(on_console_event, TRUE);
}

}  // namespace harness
