// Pure facts about Windows processes that the Windows sampler, launcher and the IE profiles
// share, kept free of <windows.h> so they are unit-tested on Linux: the PE header (bitness and
// large-address-awareness), the user address space of a process and its free blocks, IE's
// SCODEF:<pid> command-line token, CreateProcess command-line quoting and exit codes
// (reference ie11-windows.md §2.2, §4.1, §4.3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

// ---- PE header --------------------------------------------------------------------------------

struct PeImageInfo {
  std::uint16_t machine = 0;          // IMAGE_FILE_MACHINE_I386 0x14c, AMD64 0x8664, ARM64 0xaa64
  std::uint16_t characteristics = 0;  // IMAGE_FILE_HEADER.Characteristics
  bool pe32_plus = false;             // optional header magic 0x20b: a 64-bit image
  bool large_address_aware = false;   // IMAGE_FILE_LARGE_ADDRESS_AWARE (0x20)
};

// Parses the DOS and PE headers from the first bytes of an image file (4 KiB is always enough;
// e_lfanew points inside it for every linker in use). nullopt when the bytes are not a PE image.
std::optional<PeImageInfo> parse_pe_header(std::string_view bytes);

// ---- Address space ----------------------------------------------------------------------------

// User address space a process can use on 64-bit Windows (Microsoft, "Memory Limits for Windows
// releases"): a 32-bit process 2 GiB, 4 GiB when its image is large-address-aware (WOW64);
// a 64-bit process 128 TiB.
constexpr std::uint64_t kUserSpace32Bytes = 2ull << 30;
constexpr std::uint64_t kUserSpace32LaaBytes = 4ull << 30;
constexpr std::uint64_t kUserSpace64Bytes = 128ull << 40;
std::uint64_t user_address_limit(bool is_32bit, bool large_address_aware);

// VirtualAlloc hands out address space at this granularity: a free region smaller than it, or
// the part of one before the next 64 KiB boundary, cannot hold a new allocation.
constexpr std::uint64_t kAllocationGranularity = 64 * 1024;

enum class RegionState { kFree, kReserve, kCommit };
enum class RegionType { kNone, kImage, kMapped, kPrivate };

// One MEMORY_BASIC_INFORMATION as VirtualQueryEx returns it.
struct MemoryRegion {
  std::uint64_t base = 0;
  std::uint64_t size = 0;
  RegionState state = RegionState::kFree;
  RegionType type = RegionType::kNone;
};

struct AddressSpaceSummary {
  std::uint64_t limit_bytes = 0;         // the user address space considered
  std::uint64_t free_bytes = 0;          // usable free space (64 KiB-aligned parts)
  std::uint64_t largest_free_bytes = 0;  // the largest usable free block: the fragmentation metric
  std::uint64_t reserved_bytes = 0;      // reserved, not committed
  std::uint64_t committed_bytes = 0;     // all committed (image + mapped + private)
  std::uint64_t image_bytes = 0;         // reserved or committed, by type
  std::uint64_t mapped_bytes = 0;
  std::uint64_t private_bytes = 0;
  std::uint64_t used_bytes = 0;          // everything not free = Virtual Bytes (perfmon)
  std::uint64_t regions = 0;
};

// Sums a VirtualQueryEx walk. Regions at or above `limit` are ignored and one crossing it is
// clipped (a 64-bit reader of a WOW64 process sees the 64-bit ntdll/wow64 regions above 4 GiB).
// Free space below `limit` that the walk does not list (it stopped early) is not invented.
AddressSpaceSummary summarize_address_space(const std::vector<MemoryRegion>& regions,
                                            std::uint64_t limit);

// ---- Command lines ----------------------------------------------------------------------------

// The rest of the first whole token that starts with `prefix` (case-insensitively), e.g. "4242"
// for "SCODEF:" in `IEXPLORE.EXE SCODEF:4242 CREDAT:9730`; nullopt when there is none.
std::optional<std::string_view> cmdline_token_after(std::string_view cmdline,
                                                    std::string_view prefix);
// True when `token` ("APPID:MSEdge", "-private") is a whole whitespace-separated token of the
// command line, case-insensitively.
bool has_cmdline_token(std::string_view cmdline, std::string_view token);
// The program part of a command line (quoted or not), e.g. the image path.
std::string_view cmdline_program(std::string_view cmdline);
// Base name of a path with either separator, lower-cased: "C:\A\IEXPLORE.EXE" -> "iexplore.exe".
std::string lower_base_name(std::string_view path);

// Quotes one argument so that CommandLineToArgvW (and the MSVC/mingw CRT) parse it back
// unchanged: backslashes are literal except before a quote.
std::string quote_windows_argument(std::string_view arg);
// program and arguments joined as CreateProcess's lpCommandLine.
std::string build_windows_command_line(std::string_view program,
                                       const std::vector<std::string>& args);

// ---- Exit codes -------------------------------------------------------------------------------

// A process that ended by an unhandled exception or a fail-fast has an NTSTATUS error code as
// exit code (0xC0000005 access violation, 0xC0000409 fail-fast, 0xC0000017 no memory, ...).
// 0xC000013A (Ctrl-C) is an interruption, not a crash.
bool is_crash_exit_code(std::uint32_t code);
// "0xC0000005 (access violation)", "3".
std::string describe_exit_code(std::uint32_t code);

// FILETIME (100 ns since 1601-01-01) of a process creation time, as the start_ticks of a
// ProcessIdentity on Windows.
constexpr std::int64_t kFiletimeUnixEpoch = 116444736000000000;
constexpr std::int64_t filetime_to_unix_ms(std::uint64_t filetime) {
  return (static_cast<std::int64_t>(filetime) - kFiletimeUnixEpoch) / 10'000;
}

}  // namespace harness
