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
//   iexplore.exe SCODEF:<pid> CREDAT:<n> [URL] [--iterations N] [--region-mb 32] [--retain 0.25]
//             [--layout fragmenting|compact] [--transient-mb 0] [--fragment-at N]
//             [--crash-at N] [--step-event NAME --done-event NAME] [--pace-ms 0] [--exit-after]
//
// --step-event/--done-event: lock-step with the harness (wait for the step event before each
// iteration, set the done event after it), so that a checkpoint reading belongs to an
// iteration. --fragment-at N: at iteration N chop the free address space into 16 MiB holes
// (reserve 16 MiB blocks until none fits, release every other one). Output: one line per event
// on stdout, flushed.
//
// URL (http://...): page mode, the tab plays a page running pages/harness/page-runner.js. It
// reads harness_beacon and harness_warmup from the URL's query as the page does, and its
// workload from ietab_region_mb, ietab_retain, ietab_layout, ietab_transient_mb and
// ietab_pace_ms there (over the options above; page_query.hpp). It posts {"phase":"ready"},
// then after each iteration -warmup..-1, 1, 2, ... {"phase":"iteration","iteration":n,...} and
// waits for the harness's reply (beacon.hpp): "continue" goes on, "stop" ends the tab with exit
// code 0. A harness it cannot reach ends it with kExitBeaconUnreachable, one that answers
// something else with kExitBeaconRejected, each with a line saying why. Out of memory it dies
// as in any mode, without a beacon. --iterations and the lock-step events do not apply: the
// harness decides when to stop. Without harness_beacon (a page opened by hand) it does nothing.
#include <windows.h>
#include <psapi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/ietab/beacon.hpp"
#include "tools/ietab/page_query.hpp"

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kGranularity = 64 * 1024;
constexpr DWORD kStatusNoMemory = 0xC0000017;
// Exit codes (besides 0 and the crash codes): 2 a bad command line or URL; page mode's beacon
// could not be delivered (no server, connection lost, no reply within BeaconClient::kReplyWait)
// or got a reply that is neither continue nor stop (403: another run's token).
constexpr int kExitUsage = 2;
constexpr int kExitBeaconUnreachable = 4;
constexpr int kExitBeaconRejected = 5;

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
  std::wstring url;  // page mode
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

std::string narrow(const std::wstring& w) {
  if (w.empty()) return {};
  const int n = ::WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), nullptr, 0,
                                      nullptr, nullptr);
  std::string out(static_cast<std::size_t>(n), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), out.data(), n, nullptr,
                        nullptr);
  return out;
}

bool is_url(const std::wstring& a) {
  return _wcsnicmp(a.c_str(), L"http://", 7) == 0 || _wcsnicmp(a.c_str(), L"https://", 8) == 0;
}

// The page's beacons, as page-runner.js writes them (same keys, same order).
std::string beacon_body(const char* phase, int iteration, double page_ms) {
  nlohmann::ordered_json j = {{"phase", phase}, {"iteration", iteration}, {"ok", true},
                              {"error", nullptr}};
  if (std::strcmp(phase, "iteration") == 0) j["page_ms"] = page_ms;
  return j.dump();
}

// Page mode: set-up, then iterations -warmup..-1, 1, 2, ... each followed by a beacon whose
// reply says whether to go on. Returns the tab's exit code.
int run_page(const Options& o, const ietab::PageQuery& q) {
  const DWORD self = ::GetCurrentProcessId();
  if (q.beacon_url.empty()) {
    say("tab %lu page without harness_beacon: nothing to run (a page opened by hand)", self);
    ::Sleep(INFINITE);
  }
  say("tab %lu page beacon=%s warmup=%d", self, q.beacon_url.c_str(), q.warmup);
  std::string error;
  auto client = ietab::BeaconClient::open(q.beacon_url, &error);
  if (!client) {
    say("tab %lu cannot use harness_beacon: %s", self, error.c_str());
    return kExitUsage;
  }
  // One beacon; the exit code when the tab must end, nullopt to go on.
  auto report = [&](const char* phase, int n, double page_ms) -> std::optional<int> {
    char what[64];
    if (n == 0) std::snprintf(what, sizeof what, "%s", phase);
    else std::snprintf(what, sizeof what, "%s %d page_ms=%.1f", phase, n, page_ms);
    const ietab::BeaconResult r = client->post(beacon_body(phase, n, page_ms));
    using Kind = ietab::BeaconResult::Kind;
    switch (r.kind) {
      case Kind::kContinue:
        say("beacon %s -> continue", what);
        return std::nullopt;
      case Kind::kStop:
        say("beacon %s -> stop; tab %lu exits 0", what, self);
        return 0;
      case Kind::kUnreachable:
        say("tab %lu cannot deliver beacon %s to %s: %s; exits %d", self, what,
            q.beacon_url.c_str(), r.detail.c_str(), kExitBeaconUnreachable);
        return kExitBeaconUnreachable;
      case Kind::kRejected:
        break;
    }
    say("tab %lu: the harness rejected beacon %s: %s; exits %d", self, what, r.detail.c_str(),
        kExitBeaconRejected);
    return kExitBeaconRejected;
  };
  if (const auto end = report("ready", 0, 0)) return *end;
  for (int n = q.warmup > 0 ? -q.warmup : 1;; n = n == -1 ? 1 : n + 1) {
    const auto started = std::chrono::steady_clock::now();
    iterate(o, n);
    // A page's iteration takes time (loads, think time): at least pace_ms, measured with it.
    if (o.pace_ms > 0) {
      const auto spent = std::chrono::steady_clock::now() - started;
      const auto rest = std::chrono::milliseconds(o.pace_ms) - spent;
      if (rest.count() > 0) {
        ::Sleep(static_cast<DWORD>(std::chrono::ceil<std::chrono::milliseconds>(rest).count()));
      }
    }
    const double page_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    if (const auto end = report("iteration", n, std::round(page_ms * 10) / 10)) return *end;
  }
}

std::wstring arg(int argc, wchar_t** argv, int& i) {
  if (i + 1 >= argc) {
    std::fwprintf(stderr, L"iexplore (tab): %ls needs a value\n", argv[i]);
    std::exit(kExitUsage);
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
    else if (is_url(a) && o.url.empty()) o.url = a;
    else {
      std::fwprintf(stderr, L"iexplore (tab): unknown argument %ls\n", a.c_str());
      return kExitUsage;
    }
  }
  std::optional<ietab::PageQuery> page;
  if (!o.url.empty()) {
    std::string error;
    page = ietab::parse_page_query(narrow(o.url), &error);
    if (!page) {
      std::fprintf(stderr, "iexplore (tab): %s\n", error.c_str());
      return kExitUsage;
    }
    if (!o.step_event.empty()) {
      std::fprintf(stderr, "iexplore (tab): a page-mode tab (URL) is not lock-stepped\n");
      return kExitUsage;
    }
    // The URL's knobs over the command line's: the page is the workload.
    o.region_mb = page->region_mb.value_or(o.region_mb);
    o.retain = page->retain.value_or(o.retain);
    o.fragmenting = page->fragmenting.value_or(o.fragmenting);
    o.transient_mb = page->transient_mb.value_or(o.transient_mb);
    o.pace_ms = page->pace_ms.value_or(o.pace_ms);
  }
  HANDLE step = nullptr, done = nullptr;
  if (!o.step_event.empty()) {
    step = ::OpenEventW(SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE, o.step_event.c_str());
    done = ::OpenEventW(EVENT_MODIFY_STATE, FALSE, o.done_event.c_str());
    if (!step || !done) {
      std::fprintf(stderr, "iexplore (tab): cannot open the step/done events (error %lu)\n", ::GetLastError());
      return kExitUsage;
    }
  }
  BOOL wow = FALSE;
  ::IsWow64Process(::GetCurrentProcess(), &wow);
  const SpaceFacts f = own_address_space();
  say("tab %lu started SCODEF:%lld bits=%d region_mb=%.1f retain=%.2f layout=%s largest_free_mb=%.1f "
      "free_mb=%.1f",
      ::GetCurrentProcessId(), o.scodef, sizeof(void*) * 8, o.region_mb, o.retain,
      o.fragmenting ? "fragmenting" : "compact", double(f.largest_free) / kMiB, double(f.free) / kMiB);
  if (page) return run_page(o, *page);
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
