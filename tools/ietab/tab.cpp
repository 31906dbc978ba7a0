// The tab half of the synthetic iexplore.exe (main.cpp): a synthetic IE11 tab process for the
// Windows tests under Wine (and on a real Windows VM). Started by the frame half with
// "SCODEF:<frame pid> CREDAT:<n>" on its command line, like IE's tabs. Per iteration it does what a page with iframe churn does to a tab's address
// space in IE11: it commits a "region" (one iframe's heaps and buffers), touches it, keeps a
// share of it (IE keeps part of every removed iframe until the top page unloads) and frees the
// rest. With the fragmenting layout the kept part sits at the top of the region and the freed
// part leaves a hole below it that the next region does not fit in, so the largest free block
// shrinks faster than memory grows: a 32-bit tab dies with hundreds of MB "free" but no block
// big enough, below 2 GiB, as the customer's tabs do near 1.3 GB (DESIGN.md §1, reference
// ie11-windows.md §4.3). When an allocation fails it reports and dies with STATUS_NO_MEMORY
// through an unhandled exception, the way a crashing tab ends.
//
//   iexplore.exe SCODEF:<pid> CREDAT:<n> [--iterations N] [--region-mb 32] [--retain 0.25]
//             [--layout fragmenting|compact] [--transient-mb 0] [--fragment-at N]
//             [--crash-at N] [--step-event NAME --done-event NAME] [--pace-ms 0] [--exit-after]
//
// --step-event/--done-event: lock-step with the harness (wait for the step event before each
// iteration, set the done event after it), so that a checkpoint reading belongs to an
// iteration. --fragment-at N: at iteration N chop the free address space into 16 MiB holes
// (reserve 16 MiB blocks until none fits, release every other one). Output: one line per event
// on stdout, flushed.
#include <windows.h>
#include <psapi.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kGranularity = 64 * 1024;
constexpr DWORD kStatusNoMemory = 0xC0000017;

struct Options {
  long long scodef = 0;
  int iterations = 0;  // 0: until dead or stopped
  double region_mb = 32;
  double retain = 0.25;
  bool fragmenting = true;
  double transient_mb = 0;
  int fragment_at = 0;
  int crash_at = 0;
  std::wstring step_event, done_event;
  int pace_ms = 0;
  bool exit_after = false;
};

void say(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vprintf(format, args);
  va_end(args);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

LONG WINAPI on_unhandled(EXCEPTION_POINTERS* info) {
  // The process ends with the exception code as its exit code, without a debugger or WER
  // dialog (winedbg under Wine).
  std::fflush(stdout);
  (void)info;
  return EXCEPTION_EXECUTE_HANDLER;
}

std::uint64_t align_up(std::uint64_t v) { return (v + kGranularity - 1) / kGranularity * kGranularity; }

struct SpaceFacts {
  std::uint64_t largest_free = 0, free = 0;
};

SpaceFacts own_address_space() {
  SYSTEM_INFO si;
  ::GetSystemInfo(&si);
  SpaceFacts f;
  auto* p = static_cast<char*>(si.lpMinimumApplicationAddress);
  auto* end = static_cast<char*>(si.lpMaximumApplicationAddress);
  MEMORY_BASIC_INFORMATION mbi;
  while (p < end && ::VirtualQuery(p, &mbi, sizeof mbi) == sizeof mbi) {
    if (mbi.State == MEM_FREE) {
      const std::uint64_t b = reinterpret_cast<std::uintptr_t>(mbi.BaseAddress);
      const std::uint64_t first = align_up(b), last = (b + mbi.RegionSize) / kGranularity * kGranularity;
      if (last > first) {
        f.free += last - first;
        if (last - first > f.largest_free) f.largest_free = last - first;
      }
    }
    p = static_cast<char*>(mbi.BaseAddress) + mbi.RegionSize;
  }
  return f;
}

std::uint64_t own_private_bytes() {
  PROCESS_MEMORY_COUNTERS_EX pmc{};
  pmc.cb = sizeof pmc;
  ::GetProcessMemoryInfo(::GetCurrentProcess(), reinterpret_cast<PROCESS_MEMORY_COUNTERS*>(&pmc),
                         sizeof pmc);
  // Wine reports PrivateUsage as 0; PagefileUsage is the same commit charge.
  return pmc.PrivateUsage > pmc.PagefileUsage ? pmc.PrivateUsage : pmc.PagefileUsage;
}

void touch(void* p, std::uint64_t bytes) {
  auto* c = static_cast<volatile char*>(p);
  for (std::uint64_t i = 0; i < bytes; i += 4096) c[i] = 1;
}

std::uint64_t g_retained = 0;

[[noreturn]] void die(int iteration, const char* what, std::uint64_t bytes) {
  const DWORD error = ::GetLastError();
  const SpaceFacts f = own_address_space();
  say("died iteration %d: %s of %.1f MB failed (error %lu); largest free %.1f MB, free %.1f MB, "
      "retained %.1f MB, private %.1f MB",
      iteration, what, double(bytes) / kMiB, error, double(f.largest_free) / kMiB,
      double(f.free) / kMiB, double(g_retained) / kMiB, double(own_private_bytes()) / kMiB);
  ::RaiseException(kStatusNoMemory, EXCEPTION_NONCONTINUABLE, 0, nullptr);
  std::abort();
}

void* alloc_at(void* where, std::uint64_t bytes) {
  return ::VirtualAlloc(where, static_cast<SIZE_T>(bytes), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

void fragment_address_space(int iteration) {
  std::vector<void*> blocks;
  for (;;) {
    void* p = ::VirtualAlloc(nullptr, 16 * kMiB, MEM_RESERVE, PAGE_NOACCESS);
    if (!p) break;
    blocks.push_back(p);
  }
  for (std::size_t i = 0; i < blocks.size(); i += 2) ::VirtualFree(blocks[i], 0, MEM_RELEASE);
  const SpaceFacts f = own_address_space();
  say("fragmented iteration %d: %zu blocks of 16 MB reserved, every other released; largest free "
      "%.1f MB, free %.1f MB",
      iteration, blocks.size(), double(f.largest_free) / kMiB, double(f.free) / kMiB);
}

void iterate(const Options& o, int i) {
  const std::uint64_t region = align_up(static_cast<std::uint64_t>(o.region_mb * kMiB));
  const std::uint64_t kept = std::min(region, align_up(static_cast<std::uint64_t>(o.retain * o.region_mb * kMiB)));
  const std::uint64_t freed = region - kept;
  if (o.fragment_at == i) fragment_address_space(i);
  if (o.crash_at == i) {
    say("crashing iteration %d: access violation on purpose", i);
    *static_cast<volatile int*>(nullptr) = 1;
  }
  if (o.fragmenting) {
    // Find a place for the whole region, then put the freed part below the kept part.
    char* base = static_cast<char*>(::VirtualAlloc(nullptr, static_cast<SIZE_T>(region), MEM_RESERVE, PAGE_NOACCESS));
    if (!base) die(i, "reserving the iframe's region", region);
    ::VirtualFree(base, 0, MEM_RELEASE);
    void* gone = freed ? alloc_at(base, freed) : nullptr;
    void* keep = kept ? alloc_at(base + freed, kept) : nullptr;
    if ((freed && !gone) || (kept && !keep)) die(i, "committing the iframe's region", region);
    if (gone) touch(gone, freed);
    if (keep) touch(keep, kept);
    if (gone) ::VirtualFree(gone, 0, MEM_RELEASE);
  } else {
    void* gone = freed ? alloc_at(nullptr, freed) : nullptr;
    if (freed && !gone) die(i, "committing the iframe's transient memory", freed);
    if (gone) {
      touch(gone, freed);
      ::VirtualFree(gone, 0, MEM_RELEASE);
    }
    void* keep = kept ? alloc_at(nullptr, kept) : nullptr;
    if (kept && !keep) die(i, "committing the retained memory", kept);
    if (keep) touch(keep, kept);
  }
  g_retained += kept;
  if (o.transient_mb > 0) {
    // A decoded image or audio buffer: contiguous, short-lived.
    const std::uint64_t bytes = align_up(static_cast<std::uint64_t>(o.transient_mb * kMiB));
    void* p = alloc_at(nullptr, bytes);
    if (!p) die(i, "allocating a contiguous buffer", bytes);
    touch(p, bytes);
    ::VirtualFree(p, 0, MEM_RELEASE);
  }
  const SpaceFacts f = own_address_space();
  say("iteration %d retained_mb=%.1f private_mb=%.1f largest_free_mb=%.1f free_mb=%.1f", i,
      double(g_retained) / kMiB, double(own_private_bytes()) / kMiB, double(f.largest_free) / kMiB,
      double(f.free) / kMiB);
}

std::wstring arg(int argc, wchar_t** argv, int& i) {
  if (i + 1 >= argc) {
    std::fwprintf(stderr, L"iexplore (tab): %ls needs a value\n", argv[i]);
    std::exit(2);
  }
  return argv[++i];
}

}  // namespace

int tab_main(int argc, wchar_t** argv) {
  ::SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
  ::SetUnhandledExceptionFilter(on_unhandled);
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::wstring a = argv[i];
    if (_wcsnicmp(a.c_str(), L"SCODEF:", 7) == 0) o.scodef = _wtoi64(a.c_str() + 7);
    else if (_wcsnicmp(a.c_str(), L"CREDAT:", 7) == 0) continue;
    else if (a == L"--iterations") o.iterations = _wtoi(arg(argc, argv, i).c_str());
    else if (a == L"--region-mb") o.region_mb = _wtof(arg(argc, argv, i).c_str());
    else if (a == L"--retain") o.retain = _wtof(arg(argc, argv, i).c_str());
    else if (a == L"--layout") o.fragmenting = arg(argc, argv, i) != L"compact";
    else if (a == L"--transient-mb") o.transient_mb = _wtof(arg(argc, argv, i).c_str());
    else if (a == L"--fragment-at") o.fragment_at = _wtoi(arg(argc, argv, i).c_str());
    else if (a == L"--crash-at") o.crash_at = _wtoi(arg(argc, argv, i).c_str());
    else if (a == L"--step-event") o.step_event = arg(argc, argv, i);
    else if (a == L"--done-event") o.done_event = arg(argc, argv, i);
    else if (a == L"--pace-ms") o.pace_ms = _wtoi(arg(argc, argv, i).c_str());
    else if (a == L"--exit-after") o.exit_after = true;
    else {
      std::fwprintf(stderr, L"iexplore (tab): unknown argument %ls\n", a.c_str());
      return 2;
    }
  }
  HANDLE step = nullptr, done = nullptr;
  if (!o.step_event.empty()) {
    step = ::OpenEventW(SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE, o.step_event.c_str());
    done = ::OpenEventW(EVENT_MODIFY_STATE, FALSE, o.done_event.c_str());
    if (!step || !done) {
      std::fprintf(stderr, "iexplore (tab): cannot open the step/done events (error %lu)\n", ::GetLastError());
      return 2;
    }
  }
  BOOL wow = FALSE;
  ::IsWow64Process(::GetCurrentProcess(), &wow);
  const SpaceFacts f = own_address_space();
  say("tab %lu started SCODEF:%lld bits=%d region_mb=%.1f retain=%.2f layout=%s largest_free_mb=%.1f "
      "free_mb=%.1f",
      ::GetCurrentProcessId(), o.scodef, sizeof(void*) * 8, o.region_mb, o.retain,
      o.fragmenting ? "fragmenting" : "compact", double(f.largest_free) / kMiB, double(f.free) / kMiB);
  for (int i = 1; o.iterations == 0 || i <= o.iterations; ++i) {
    if (step && ::WaitForSingleObject(step, INFINITE) != WAIT_OBJECT_0) break;
    iterate(o, i);
    if (done) ::SetEvent(done);
    if (o.pace_ms > 0) ::Sleep(static_cast<DWORD>(o.pace_ms));
  }
  say("tab %lu finished %d iterations", ::GetCurrentProcessId(), o.iterations);
  if (o.exit_after) return 0;
  ::Sleep(INFINITE);  // a tab lives until its frame closes it (or the harness's job ends it)
  return 0;
}
