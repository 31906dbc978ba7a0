// Reading another process's memory and identity on Windows (reference ie11-windows.md §4.1,
// §4.3, §2.2). Windows only; the pure parts (PE header, address-space sums) are in
// windows_process_model.hpp.
#pragma once

#include <windows.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/platform/windows_process_model.hpp"

namespace harness {

// Access a sampler needs: counters, VirtualQueryEx, the PEB for the command line.
constexpr DWORD kSampleAccess = PROCESS_QUERY_INFORMATION | PROCESS_VM_READ | SYNCHRONIZE;
constexpr DWORD kSampleAccessLimited = PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE;

struct WindowsMemoryCounters {
  // What the harness records as private bytes: max(PrivateUsage, PagefileUsage,
  // VM_COUNTERS_EX.PrivateUsage). On Windows all three are the commit charge; under Wine
  // PROCESS_MEMORY_COUNTERS_EX.PrivateUsage reads 0 while the other two are right (§6.4).
  std::uint64_t private_bytes = 0;
  std::uint64_t working_set_bytes = 0;
  std::uint64_t peak_working_set_bytes = 0;
  std::uint64_t virtual_bytes = 0;       // VM_COUNTERS_EX.VirtualSize (perfmon Virtual Bytes)
  std::uint64_t peak_virtual_bytes = 0;
  // The raw sources, for tests and the environment record.
  std::uint64_t pmc_private_usage = 0;
  std::uint64_t pmc_pagefile_usage = 0;
  std::uint64_t vm_private_usage = 0;
  bool vm_counters_read = false;
};

// GetProcessMemoryInfo + NtQueryInformationProcess(ProcessVmCounters). nullopt when the process
// cannot be read (exited, access denied).
std::optional<WindowsMemoryCounters> read_memory_counters(HANDLE process);

// VirtualQueryEx from address 0 up to `limit` (ms per process: checkpoints only).
std::vector<MemoryRegion> walk_address_space(HANDLE process, std::uint64_t limit);

// IsWow64Process: a 32-bit process on 64-bit Windows (on 32-bit Windows every process is, and
// this harness build is then 32-bit as well: reports true via the harness's own pointer size).
bool is_32bit_process(HANDLE process);

// QueryFullProcessImageNameW as UTF-8; "" when unavailable.
std::string process_image_path(HANDLE process);

// The PE header of an image file on disk (first 4 KiB).
std::optional<PeImageInfo> read_image_header(const std::string& path);

// The command line: NtQueryInformationProcess(ProcessCommandLineInformation) on Windows 8.1+,
// else the PEB (ProcessParameters->CommandLine). A 32-bit harness cannot read a 64-bit process's
// PEB: "" then (run the 64-bit harness build on 64-bit Windows).
std::string read_command_line(HANDLE process);

// The parent PID Windows recorded at creation (PROCESS_BASIC_INFORMATION.
// InheritedFromUniqueProcessId, the same value as Toolhelp's th32ParentProcessID). Not updated
// when the parent exits: compare creation times before trusting it.
std::optional<std::int64_t> parent_process_id(HANDLE process);

// Creation time as FILETIME ticks: the start_ticks of a ProcessIdentity on Windows. nullopt
// while it is not known yet (a process still being created).
std::optional<std::uint64_t> process_creation_time(HANDLE process);

}  // namespace harness
