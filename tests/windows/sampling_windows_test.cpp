// Windows sampling: the Toolhelp32 tree with the IE classifier, per-process counters, the
// VirtualQueryEx walk and the PE header, against the synthetic frame and tabs. Known Wine
// differences are skips with their reason (reference ie11-windows.md §6.4).
#include "harness/platform/process_tree.hpp"

#include <gtest/gtest.h>
#include <pdh.h>
#include <pdhmsg.h>

#include <fmt/format.h>

#include <algorithm>

#include "harness/browser/ie.hpp"
#include "harness/platform/windows/memory_windows.hpp"
#include "harness/platform/windows/system_windows.hpp"
#include "harness/sample/sampler.hpp"
#include "tests/windows/support.hpp"

namespace harness {
namespace {

using testing::eventually;
using testing::kMiB;
using testing::own_dir;
using testing::TabRunOptions;
using testing::tools_dir;

std::filesystem::path tab_of(int bits, bool laa = false) {
  const auto dir = tools_dir(bits);
  return dir.empty() ? dir : laa ? dir / "laa" / "iexplore.exe" : dir / "iexplore.exe";
}

#define REQUIRE_TOOLS(bits)                                                                   \
  if (tools_dir(bits).empty())                                                                \
  GTEST_SKIP() << "the " << (bits) << "-bit ietab programs are not available to this "        \
               << testing::own_bits() << "-bit build: set HARNESS_IETAB_X" << ((bits) == 32 ? "86" : "64") \
               << "_DIR (scripts/test-windows.sh does)"

TEST(WindowsSampling, TreeClassifiesFrameAndTabsWithTheirBitness) {
  REQUIRE_TOOLS(32);
  TabRunOptions o;
  o.frame_exe = own_dir() / "iexplore.exe";
  o.tab_exe = tab_of(32);
  o.tab_args = {"--region-mb", "8"};
  o.max_iterations = 2;
  const auto run = testing::run_synthetic_tab(o);
  EXPECT_EQ(run.frame_class.role, ProcessRole::kBrowser);
  EXPECT_EQ(run.frame_class.subtype, "frame");
  EXPECT_EQ(run.tab_class.role, ProcessRole::kRenderer);
  EXPECT_EQ(run.tab_class.subtype, "tab");
  // The tab's command line names its frame, as IE's do.
  EXPECT_EQ(scodef_pid(run.tab_cmdline), run.frame.pid) << run.tab_cmdline;
  ASSERT_EQ(run.checkpoints.size(), 2u) << run.output;
  EXPECT_TRUE(run.checkpoints[0].is_32bit);
  EXPECT_FALSE(run.checkpoints[0].large_address_aware);
  // The frame of this build's bitness, the tab 32-bit: the ie11-x86 shape in the 64-bit suite.
  EXPECT_NE(run.output.find(fmt::format("frame {} bits={}", run.frame.pid, testing::own_bits())),
            std::string::npos);
}

TEST(WindowsSampling, TopologyFromTheLiveTree) {
  REQUIRE_TOOLS(32);
  const auto dir = testing::fresh_dir("topology");
  LaunchSpec spec;
  spec.executable = own_dir() / "iexplore.exe";
  spec.args = {"--tab", tab_of(32).string(), "--tabs", "2", "--", "--iterations", "1"};
  spec.stdout_file = dir / "out.txt";
  auto frame = ChildProcess::launch(spec);
  ProcessTree tree(ie_process_tree_options(*find_ie_profile("ie11-x86"), {frame->pid()}));
  std::vector<IeProcessFacts> facts;
  ASSERT_TRUE(eventually([&] {
    tree.refresh(true);
    facts.clear();
    for (const auto& id : tree.seen()) {
      HANDLE h = ::OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE,
                               static_cast<DWORD>(id.pid));
      if (!h) continue;
      facts.push_back({id.pid, parent_process_id(h).value_or(0), id.start_ticks,
                       read_command_line(h), is_32bit_process(h)});
      ::CloseHandle(h);
    }
    // Only the IE processes: a console program also gets a conhost.exe child.
    facts.erase(std::remove_if(facts.begin(), facts.end(),
                               [](const IeProcessFacts& f) {
                                 return lower_base_name(cmdline_program(f.cmdline)) != "iexplore.exe";
                               }),
                facts.end());
    return facts.size() == 3;
  })) << [&] {
    std::string seen;
    for (const auto& f : facts) seen += fmt::format("\n  {} (parent {}): {}", f.pid, f.parent_pid, f.cmdline);
    return seen;
  }();
  const auto t = ie_topology(facts);
  ASSERT_EQ(t.frames.size(), 1u);
  EXPECT_EQ(t.frames[0].pid, frame->pid());
  ASSERT_EQ(t.frames[0].tabs.size(), 2u);
  for (const auto& tab : t.frames[0].tabs) {
    EXPECT_TRUE(tab.is_32bit);
    EXPECT_TRUE(tab.parent_is_frame);
  }
  EXPECT_TRUE(t.anomalies.empty());
}

TEST(WindowsSampling, PrivateBytesFollowCommits) {
  TabRunOptions o;
  o.frame_exe = own_dir() / "iexplore.exe";
  o.tab_exe = own_dir() / "iexplore.exe";
  o.tab_args = {"--region-mb", "64", "--retain", "1", "--layout", "compact"};
  o.max_iterations = 6;
  const auto run = testing::run_synthetic_tab(o);
  ASSERT_EQ(run.checkpoints.size(), 6u) << run.output;
  const double per_iteration =
      double(run.checkpoints.back().private_bytes - run.checkpoints.front().private_bytes) / 5 / kMiB;
  EXPECT_NEAR(per_iteration, 64.0, 2.0);
  // The tab's own view (its commit charge) and the harness's agree.
  const double own = *testing::reported_value(run.output, 6, "private_mb");
  EXPECT_NEAR(double(run.checkpoints.back().private_bytes) / kMiB, own, 4.0);
}

// Private Bytes (perfmon) is the commit charge: committed memory counts before it is touched.
TEST(WindowsSampling, PrivateBytesAreTheCommitCharge) {
  HANDLE self = ::GetCurrentProcess();
  const auto before = *read_memory_counters(self);
  auto* p = static_cast<char*>(::VirtualAlloc(nullptr, 128 * kMiB, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
  ASSERT_TRUE(p);
  const auto committed = *read_memory_counters(self);
  for (std::uint64_t i = 0; i < 128 * kMiB; i += 4096) p[i] = 1;
  const auto touched = *read_memory_counters(self);
  ::VirtualFree(p, 0, MEM_RELEASE);
  const double grew = (double(committed.private_bytes) - double(before.private_bytes)) / kMiB;
  if (running_under_wine() && (committed.pmc_private_usage == 0 || grew < 127)) {
    GTEST_SKIP() << "Wine: PROCESS_MEMORY_COUNTERS_EX.PrivateUsage reads 0, and PagefileUsage and "
                    "VM_COUNTERS_EX.PrivateUsage count touched pages, not the commit charge: "
                 << grew << " MB after committing 128 MB, "
                 << (double(touched.private_bytes) - double(before.private_bytes)) / kMiB
                 << " MB once touched (the synthetic tab touches all it commits, so its curves "
                    "are right)";
  }
  EXPECT_NEAR(grew, 128.0, 1.0);
  EXPECT_NEAR((double(committed.pmc_private_usage) - double(before.pmc_private_usage)) / kMiB, 128.0, 1.0);
}

TEST(WindowsSampling, VirtualBytesFollowReservations) {
  HANDLE self = ::GetCurrentProcess();
  const auto before = *read_memory_counters(self);
  void* p = ::VirtualAlloc(nullptr, 512 * kMiB, MEM_RESERVE, PAGE_NOACCESS);
  ASSERT_TRUE(p);
  const auto after = *read_memory_counters(self);
  ::VirtualFree(p, 0, MEM_RELEASE);
  ASSERT_TRUE(after.vm_counters_read);
  const double grew = (double(after.virtual_bytes) - double(before.virtual_bytes)) / kMiB;
  if (running_under_wine() && (grew < 511 || grew > 513)) {
    GTEST_SKIP() << "Wine: VM_COUNTERS_EX.VirtualSize does not follow reservations (it is the "
                    "wine process's Linux VmSize): "
                 << before.virtual_bytes / kMiB << " MB before and " << after.virtual_bytes / kMiB
                 << " MB after reserving 512 MB; the VirtualQueryEx walk is exact and is what "
                    "the checkpoints record";
  }
  EXPECT_NEAR(grew, 512.0, 1.0);
}

TEST(WindowsSampling, VirtualQueryWalkSeesReservationsExactly) {
  HANDLE self = ::GetCurrentProcess();
  const bool is32 = sizeof(void*) == 4;
  const auto limit = is32 ? kUserSpace32LaaBytes : kUserSpace64Bytes;
  const auto before = summarize_address_space(walk_address_space(self, limit), limit);
  void* p = ::VirtualAlloc(nullptr, 256 * kMiB, MEM_RESERVE, PAGE_NOACCESS);
  ASSERT_TRUE(p);
  const auto after = summarize_address_space(walk_address_space(self, limit), limit);
  ::VirtualFree(p, 0, MEM_RELEASE);
  EXPECT_EQ(after.used_bytes - before.used_bytes, 256 * kMiB);
  EXPECT_EQ(after.reserved_bytes - before.reserved_bytes, 256 * kMiB);
  EXPECT_EQ(before.free_bytes - after.free_bytes, 256 * kMiB);
}

TEST(WindowsSampling, LargestFreeBlockAgreesWithTheTabsOwnView) {
  REQUIRE_TOOLS(32);
  TabRunOptions o;
  o.frame_exe = own_dir() / "iexplore.exe";
  o.tab_exe = tab_of(32);
  o.tab_args = {"--region-mb", "48", "--retain", "0.5"};
  o.max_iterations = 5;
  const auto run = testing::run_synthetic_tab(o);
  ASSERT_EQ(run.checkpoints.size(), 5u) << run.output;
  for (const auto& c : run.checkpoints) {
    SCOPED_TRACE(c.iteration);
    const double own = *testing::reported_value(run.output, c.iteration, "largest_free_mb");
    EXPECT_NEAR(double(c.largest_free_bytes) / kMiB, own, 1.0);
    // Non-LAA 32-bit: everything below 2 GiB.
    EXPECT_LT(c.free_bytes, kUserSpace32Bytes);
  }
}

TEST(WindowsSampling, LargeAddressAwareTabIsReadFromItsPeHeader) {
  if (testing::own_bits() == 64) REQUIRE_TOOLS(32);
  const auto laa = tab_of(32, true);
  if (!std::filesystem::exists(laa)) GTEST_SKIP() << "the large-address-aware iexplore.exe is built by the i686 build";
  const auto pe = read_image_header(laa.string());
  ASSERT_TRUE(pe);
  EXPECT_TRUE(pe->large_address_aware);
  EXPECT_FALSE(read_image_header(tab_of(32).string())->large_address_aware);
  TabRunOptions o;
  o.frame_exe = own_dir() / "iexplore.exe";
  o.tab_exe = laa;
  o.tab_args = {"--region-mb", "8"};
  o.max_iterations = 1;
  const auto run = testing::run_synthetic_tab(o);
  ASSERT_EQ(run.checkpoints.size(), 1u) << run.output;
  EXPECT_TRUE(run.checkpoints[0].large_address_aware);
  // 4 GiB of address space on 64-bit Windows; the walk counts free space above 2 GiB.
  EXPECT_GT(run.checkpoints[0].free_bytes, kUserSpace32Bytes);
}

TEST(WindowsSampling, SamplerRecordsTheTreeAtItsRate) {
  TabRunOptions o;
  o.frame_exe = own_dir() / "iexplore.exe";
  o.tab_exe = own_dir() / "iexplore.exe";
  // 10 iterations 50 ms apart: half a second at 10 Hz.
  o.tab_args = {"--region-mb", "16", "--pace-ms", "50"};
  o.max_iterations = 10;
  const auto run = testing::run_synthetic_tab(o);
  ASSERT_GE(run.samples.size(), 3u);
  // Every batch holds the frame and the tab, with roles.
  std::size_t complete = 0;
  for (const auto& b : run.samples) {
    int frames = 0, tabs = 0;
    for (const auto& p : b.processes) {
      frames += p.role == ProcessRole::kBrowser;
      tabs += p.role == ProcessRole::kRenderer;
      EXPECT_GT(p.rss_bytes, 0u);
      EXPECT_GT(p.private_bytes, 0u);
    }
    complete += frames == 1 && tabs == 1;
  }
  EXPECT_EQ(complete, run.samples.size());
}

TEST(WindowsSampling, PerfmonVirtualBytesAgreesWithTheHarness) {
  // perfmon/DebugDiag read Virtual Bytes through PDH; the harness reads VM_COUNTERS_EX. In the
  // lab both must agree for the side-by-side comparison (docs/windows-lab.md).
  PDH_HQUERY query = nullptr;
  ASSERT_EQ(::PdhOpenQueryW(nullptr, 0, &query), ERROR_SUCCESS);
  wchar_t exe[MAX_PATH];
  const DWORD n = ::GetModuleFileNameW(nullptr, exe, MAX_PATH);
  const std::wstring instance = std::filesystem::path(std::wstring(exe, n)).stem().wstring();
  const std::wstring counter = L"\\Process(" + instance + L")\\Virtual Bytes";
  PDH_HCOUNTER handle = nullptr;
  const PDH_STATUS added = ::PdhAddEnglishCounterW(query, counter.c_str(), 0, &handle);
  if (added != ERROR_SUCCESS && running_under_wine()) {
    ::PdhCloseQuery(query);
    GTEST_SKIP() << "Wine has no PDH process counters: PdhAddEnglishCounterW(" << "\\Process(...)"
                 << "\\Virtual Bytes) = 0x" << std::hex << static_cast<unsigned long>(added);
  }
  ASSERT_EQ(added, ERROR_SUCCESS);
  ASSERT_EQ(::PdhCollectQueryData(query), ERROR_SUCCESS);
  PDH_FMT_COUNTERVALUE value{};
  ASSERT_EQ(::PdhGetFormattedCounterValue(handle, PDH_FMT_LARGE, nullptr, &value), ERROR_SUCCESS);
  const auto ours = read_memory_counters(::GetCurrentProcess())->virtual_bytes;
  ::PdhCloseQuery(query);
  EXPECT_NEAR(double(value.largeValue) / kMiB, double(ours) / kMiB, 64.0);
}

}  // namespace
}  // namespace harness
