#include "harness/platform/windows/memory_windows.hpp"

#include <psapi.h>
#include <winternl.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "harness/platform/windows_unicode.hpp"

namespace harness {

namespace {

// ntdll's VM_COUNTERS_EX (ProcessVmCounters = 3): 96 bytes on x64, 48 on x86.
struct VmCountersEx {
  SIZE_T PeakVirtualSize;
  SIZE_T VirtualSize;
  ULONG PageFaultCount;
  SIZE_T PeakWorkingSetSize;
  SIZE_T WorkingSetSize;
  SIZE_T QuotaPeakPagedPoolUsage;
  SIZE_T QuotaPagedPoolUsage;
  SIZE_T QuotaPeakNonPagedPoolUsage;
  SIZE_T QuotaNonPagedPoolUsage;
  SIZE_T PagefileUsage;
  SIZE_T PeakPagefileUsage;
  SIZE_T PrivateUsage;
};

constexpr ULONG kProcessVmCounters = 3;
constexpr ULONG kProcessWow64Information = 26;
constexpr ULONG kProcessCommandLineInformation = 60;

using NtQueryInformationProcessFn = LONG(NTAPI*)(HANDLE, ULONG, PVOID, ULONG, PULONG);

NtQueryInformationProcessFn nt_query_information_process() {
  static const auto fn = reinterpret_cast<NtQueryInformationProcessFn>(reinterpret_cast<void*>(
      ::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), "NtQueryInformationProcess")));
  return fn;
}

bool read_memory(HANDLE process, std::uint64_t address, void* out, std::size_t size) {
  SIZE_T got = 0;
  return ::ReadProcessMemory(process, reinterpret_cast<LPCVOID>(static_cast<std::uintptr_t>(address)),
                             out, size, &got) &&
         got == size;
}

std::string read_remote_utf16(HANDLE process, std::uint64_t address, std::size_t bytes) {
  if (!address || !bytes || bytes > 65534) return {};
  std::u16string text(bytes / 2, u'\0');
  if (!read_memory(process, address, text.data(), bytes)) return {};
  return utf16_to_utf8(text);
}

// PEB->ProcessParameters->CommandLine of a process of the harness's own bitness (a WOW64
// process also has a native PEB with a copy of its parameters).
std::string command_line_from_native_peb(HANDLE process) {
  auto nt = nt_query_information_process();
  PROCESS_BASIC_INFORMATION pbi{};
  ULONG length = 0;
  if (!nt || nt(process, ProcessBasicInformation, &pbi, sizeof pbi, &length) != 0 ||
      !pbi.PebBaseAddress) {
    return {};
  }
  constexpr bool k64 = sizeof(void*) == 8;
  const std::uint64_t peb = reinterpret_cast<std::uintptr_t>(pbi.PebBaseAddress);
  std::uintptr_t params = 0;
  if (!read_memory(process, peb + (k64 ? 0x20 : 0x10), &params, sizeof params) || !params) return {};
  UNICODE_STRING cmd{};
  if (!read_memory(process, params + (k64 ? 0x70 : 0x40), &cmd, sizeof cmd)) return {};
  return read_remote_utf16(process, reinterpret_cast<std::uintptr_t>(cmd.Buffer), cmd.Length);
}

// The 32-bit PEB of a WOW64 process, read by a 64-bit harness.
std::string command_line_from_wow64_peb(HANDLE process) {
  auto nt = nt_query_information_process();
  ULONG_PTR peb32 = 0;
  ULONG length = 0;
  if (!nt || nt(process, kProcessWow64Information, &peb32, sizeof peb32, &length) != 0 || !peb32) {
    return {};
  }
  std::uint32_t params = 0;
  if (!read_memory(process, peb32 + 0x10, &params, sizeof params) || !params) return {};
  struct {
    std::uint16_t length, maximum;
    std::uint32_t buffer;
  } cmd{};
  if (!read_memory(process, params + 0x40u, &cmd, sizeof cmd)) return {};
  return read_remote_utf16(process, cmd.buffer, cmd.length);
}

}  // namespace

std::optional<WindowsMemoryCounters> read_memory_counters(HANDLE process) {
  PROCESS_MEMORY_COUNTERS_EX pmc{};
  pmc.cb = sizeof pmc;
  if (!::GetProcessMemoryInfo(process, reinterpret_cast<PROCESS_MEMORY_COUNTERS*>(&pmc), sizeof pmc)) {
    return std::nullopt;
  }
  WindowsMemoryCounters c;
  c.working_set_bytes = pmc.WorkingSetSize;
  c.peak_working_set_bytes = pmc.PeakWorkingSetSize;
  c.pmc_private_usage = pmc.PrivateUsage;
  c.pmc_pagefile_usage = pmc.PagefileUsage;
  VmCountersEx vm{};
  ULONG length = 0;
  if (auto nt = nt_query_information_process();
      nt && nt(process, kProcessVmCounters, &vm, sizeof vm, &length) == 0) {
    c.vm_counters_read = true;
    c.virtual_bytes = vm.VirtualSize;
    c.peak_virtual_bytes = vm.PeakVirtualSize;
    c.vm_private_usage = length >= sizeof vm ? vm.PrivateUsage : 0;
  }
  c.private_bytes = std::max({c.pmc_private_usage, c.pmc_pagefile_usage, c.vm_private_usage});
  return c;
}

std::vector<MemoryRegion> walk_address_space(HANDLE process, std::uint64_t limit) {
  std::vector<MemoryRegion> regions;
  std::uint64_t address = 0;
  while (address < limit) {
    MEMORY_BASIC_INFORMATION mbi{};
    if (::VirtualQueryEx(process, reinterpret_cast<LPCVOID>(static_cast<std::uintptr_t>(address)),
                         &mbi, sizeof mbi) != sizeof mbi) {
      break;  // past the highest user address, or the process is gone
    }
    MemoryRegion r;
    r.base = reinterpret_cast<std::uintptr_t>(mbi.BaseAddress);
    r.size = mbi.RegionSize;
    r.state = mbi.State == MEM_COMMIT    ? RegionState::kCommit
              : mbi.State == MEM_RESERVE ? RegionState::kReserve
                                         : RegionState::kFree;
    r.type = mbi.Type == MEM_IMAGE     ? RegionType::kImage
             : mbi.Type == MEM_MAPPED  ? RegionType::kMapped
             : mbi.Type == MEM_PRIVATE ? RegionType::kPrivate
                                       : RegionType::kNone;
    regions.push_back(r);
    const std::uint64_t next = r.base + r.size;
    if (next <= address) break;
    address = next;
  }
  return regions;
}

bool is_32bit_process(HANDLE process) {
  if constexpr (sizeof(void*) == 4) {
    BOOL wow = FALSE;
    // A 32-bit harness: its targets are 32-bit unless the OS is 64-bit and they are not WOW64.
    BOOL self = FALSE;
    ::IsWow64Process(::GetCurrentProcess(), &self);
    if (!self) return true;  // 32-bit Windows
    return ::IsWow64Process(process, &wow) && wow;
  } else {
    BOOL wow = FALSE;
    return ::IsWow64Process(process, &wow) && wow;
  }
}

std::string process_image_path(HANDLE process) {
  wchar_t buffer[32768];
  DWORD size = static_cast<DWORD>(std::size(buffer));
  if (!::QueryFullProcessImageNameW(process, 0, buffer, &size)) return {};
  return from_wide(std::wstring_view(buffer, size));
}

std::optional<PeImageInfo> read_image_header(const std::string& path) {
  std::ifstream in(std::filesystem::path(to_wide(path)), std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes(4096, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return parse_pe_header(bytes);
}

std::string read_command_line(HANDLE process) {
  auto nt = nt_query_information_process();
  if (nt) {
    // Windows 8.1+: a UNICODE_STRING followed by its text.
    std::vector<std::uint8_t> buffer(8192);
    ULONG length = 0;
    LONG status = nt(process, kProcessCommandLineInformation, buffer.data(),
                     static_cast<ULONG>(buffer.size()), &length);
    if (status == static_cast<LONG>(0xC0000004) && length > buffer.size()) {  // length mismatch
      buffer.resize(length);
      status = nt(process, kProcessCommandLineInformation, buffer.data(),
                  static_cast<ULONG>(buffer.size()), &length);
    }
    if (status == 0) {
      const auto* s = reinterpret_cast<const UNICODE_STRING*>(buffer.data());
      return from_wide(std::wstring_view(s->Buffer, s->Length / sizeof(wchar_t)));
    }
  }
  // Wine 8 answers STATUS_INVALID_INFO_CLASS for class 60 [measured under Wine]: the PEB.
  std::string line = command_line_from_native_peb(process);
  if (line.empty() && sizeof(void*) == 8) line = command_line_from_wow64_peb(process);
  return line;
}

std::optional<std::int64_t> parent_process_id(HANDLE process) {
  auto nt = nt_query_information_process();
  PROCESS_BASIC_INFORMATION pbi{};
  ULONG length = 0;
  if (!nt || nt(process, ProcessBasicInformation, &pbi, sizeof pbi, &length) != 0) return std::nullopt;
  return static_cast<std::int64_t>(pbi.InheritedFromUniqueProcessId);
}

std::optional<std::uint64_t> process_creation_time(HANDLE process) {
  FILETIME created{}, exited{}, kernel{}, user{};
  if (!::GetProcessTimes(process, &created, &exited, &kernel, &user)) return std::nullopt;
  const std::uint64_t ticks =
      (static_cast<std::uint64_t>(created.dwHighDateTime) << 32) | created.dwLowDateTime;
  // Wine reports 0x5555555555555555 for a process that Toolhelp lists while its creator is still
  // inside CreateProcess [measured under Wine]: not known yet. Anything after now is as unknown.
  FILETIME now{};
  ::GetSystemTimeAsFileTime(&now);
  const std::uint64_t now_ticks =
      (static_cast<std::uint64_t>(now.dwHighDateTime) << 32) | now.dwLowDateTime;
  if (ticks == 0 || ticks > now_ticks + 10'000'000) return std::nullopt;
  return ticks;
}

}  // namespace harness
