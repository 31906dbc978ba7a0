#include "harness/platform/windows/minidump_windows.hpp"

#include <windows.h>
// dbghelp.h after windows.h
#include <dbghelp.h>

#include <fmt/format.h>

#include <chrono>
#include <fstream>

#include "harness/platform/windows/memory_windows.hpp"
#include "harness/platform/windows/system_windows.hpp"

namespace harness {

MinidumpResult write_full_minidump(const ProcessIdentity& target, const std::filesystem::path& file) {
  MinidumpResult r;
  r.file = file;
  // PROCESS_DUP_HANDLE for the handle data stream.
  HANDLE process = ::OpenProcess(
      PROCESS_QUERY_INFORMATION | PROCESS_VM_READ | PROCESS_DUP_HANDLE | SYNCHRONIZE, FALSE,
      static_cast<DWORD>(target.pid));
  if (!process) {
    r.error = ::GetLastError();
    r.message = fmt::format("cannot open process {}: {}", target.pid, windows_error_text(r.error));
    return r;
  }
  if (process_creation_time(process) != target.start_ticks) {
    ::CloseHandle(process);
    r.message = fmt::format("process {} is gone (its PID now names another process)", target.pid);
    return r;
  }
  std::error_code ec;
  if (!file.parent_path().empty()) std::filesystem::create_directories(file.parent_path(), ec);
  HANDLE out = ::CreateFileW(file.wstring().c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                             CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (out == INVALID_HANDLE_VALUE) {
    r.error = ::GetLastError();
    r.message = fmt::format("cannot create {}: {}", file.string(), windows_error_text(r.error));
    ::CloseHandle(process);
    return r;
  }
  const auto type = static_cast<MINIDUMP_TYPE>(MiniDumpWithFullMemory | MiniDumpWithHandleData |
                                               MiniDumpWithUnloadedModules |
                                               MiniDumpWithFullMemoryInfo | MiniDumpWithThreadInfo);
  const auto start = std::chrono::steady_clock::now();
  const BOOL ok = ::MiniDumpWriteDump(process, static_cast<DWORD>(target.pid), out, type, nullptr,
                                      nullptr, nullptr);
  r.error = ok ? 0 : ::GetLastError();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  LARGE_INTEGER size{};
  ::GetFileSizeEx(out, &size);
  ::CloseHandle(out);
  const bool target_32bit = is_32bit_process(process);
  ::CloseHandle(process);
  if (!ok) {
    std::filesystem::remove(file, ec);
    r.message = fmt::format("MiniDumpWriteDump of {}-bit process {} failed: {}",
                            target_32bit ? 32 : 64, target.pid, windows_error_text(r.error));
    return r;
  }
  r.ok = true;
  r.bytes = static_cast<std::uint64_t>(size.QuadPart);
  return r;
}

// "MDMP" little-endian (dbghelp.h spells it as a multi-character constant).
constexpr ULONG32 kMinidumpSignature = 0x504D444D;

std::optional<MinidumpInfo> inspect_minidump(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  MINIDUMP_HEADER header{};
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header) ||
      header.Signature != kMinidumpSignature) {
    return std::nullopt;
  }
  MinidumpInfo info;
  info.streams = header.NumberOfStreams;
  info.flags = header.Flags;
  in.seekg(header.StreamDirectoryRva);
  for (ULONG i = 0; i < header.NumberOfStreams; ++i) {
    MINIDUMP_DIRECTORY d{};
    if (!in.read(reinterpret_cast<char*>(&d), sizeof d)) return std::nullopt;
    if (d.StreamType == ModuleListStream) info.has_module_list = true;
    if (d.StreamType == Memory64ListStream) info.has_memory64_list = true;
    if (d.StreamType == SystemInfoStream) {
      info.has_system_info = true;
      const auto here = in.tellg();
      in.seekg(d.Location.Rva);
      MINIDUMP_SYSTEM_INFO si{};
      if (in.read(reinterpret_cast<char*>(&si), sizeof si)) {
        info.processor_architecture = si.ProcessorArchitecture;
      }
      in.seekg(here);
    }
  }
  return info;
}

}  // namespace harness
