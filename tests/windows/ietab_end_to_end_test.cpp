// End to end under Wine: the synthetic IE (a frame starting a tab with SCODEF:<frame pid>)
// observed by the harness's own parts: the Windows process tree with the IE classifier, the
// background sampler with the ceiling rule, a detailed reading (largest free address block)
// after every iteration and crash detection by exit code. The acceptance of issue 5: a 32-bit
// tab dies below 2 GiB while its largest free block goes to zero and the ceiling_reached and
// crashed events land on the right iterations; a 64-bit one does not die.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "harness/browser/ie.hpp"
#include "harness/platform/windows_process_model.hpp"
#include "tests/windows/support.hpp"

namespace harness {
namespace {

using testing::kMiB;
using testing::own_dir;
using testing::TabRun;
using testing::TabRunOptions;
using testing::tools_dir;

// One iframe's region of 32 MB per iteration, 75 % of it kept: ~24 MB of private bytes per
// iteration and 8 MB holes the next region does not fit in.
const std::vector<std::string> kWorkload = {"--region-mb", "32", "--retain", "0.75", "--layout",
                                            "fragmenting"};

double mb(std::uint64_t bytes) { return double(bytes) / kMiB; }

// The figures of a run, on the test's output (scripts/test-windows.sh collects these lines).
void print_figures(const std::string& label, const TabRun& run) {
  std::string trend;
  for (std::size_t i = 0; i < run.checkpoints.size(); i += std::max<std::size_t>(1, run.checkpoints.size() / 8)) {
    const auto& c = run.checkpoints[i];
    trend += fmt::format(" {}:{:.0f}", c.iteration, mb(c.largest_free_bytes));
  }
  if (!run.checkpoints.empty()) {
    const auto& c = run.checkpoints.back();
    trend += fmt::format(" {}:{:.0f}", c.iteration, mb(c.largest_free_bytes));
  }
  const auto last = run.checkpoints.empty() ? testing::TabCheckpoint{} : run.checkpoints.back();
  std::printf("[ figures  ] %s: %s; last checkpoint iteration %d: private %.0f MB, largest free "
              "%.1f MB, free %.0f MB; ceiling_reached at %s (sampler: %s); largest free MB by "
              "iteration:%s\n",
              label.c_str(),
              run.crash_iteration
                  ? fmt::format("crashed in iteration {} with {}", *run.crash_iteration,
                                describe_exit_code(run.exit_code))
                        .c_str()
                  : fmt::format("alive after {} iterations", run.iterations_done).c_str(),
              last.iteration, mb(last.private_bytes), mb(last.largest_free_bytes), mb(last.free_bytes),
              run.ceiling_iteration ? std::to_string(*run.ceiling_iteration).c_str() : "-",
              run.sampled_ceiling_iteration ? std::to_string(*run.sampled_ceiling_iteration).c_str() : "-",
              trend.c_str());
  // The tab's own words at its death (what failed, and its address space at that moment).
  if (const auto at = run.output.find("died iteration "); at != std::string::npos) {
    const auto end = run.output.find('\n', at);
    std::printf("[ figures  ] %s: the tab said: %s\n", label.c_str(),
                run.output.substr(at, end == std::string::npos ? end : end - at).c_str());
  }
  std::fflush(stdout);
}

// The first iteration whose private bytes, as the tab itself reports them, pass the ceiling.
std::optional<int> expected_ceiling_iteration(const TabRun& run, std::uint64_t ceiling) {
  for (const auto& c : run.checkpoints) {
    const auto own = testing::reported_value(run.output, c.iteration, "private_mb");
    if (own && *own * kMiB > double(ceiling)) return c.iteration;
  }
  return std::nullopt;
}

TEST(SyntheticIe, A32BitTabDiesBelow2GiBAsItsLargestFreeBlockGoesToZero) {
  if (tools_dir(32).empty()) GTEST_SKIP() << "needs the 32-bit iexplore.exe (HARNESS_IETAB_X86_DIR)";
  const IeProfileSpec& profile = *find_ie_profile("ie11-x86");
  TabRunOptions o;
  o.frame_exe = own_dir() / "iexplore.exe";  // the frame of this build's bitness
  o.tab_exe = tools_dir(32) / "iexplore.exe";
  o.tab_args = kWorkload;
  o.max_iterations = 200;  // 200 x 32 MB of address space: far past 2 GiB
  o.ceiling_bytes = profile.default_ceiling_bytes;
  o.profile = profile.name;
  const TabRun run = testing::run_synthetic_tab(o);
  print_figures("32-bit tab (ie11-x86)", run);

  ASSERT_GE(run.checkpoints.size(), 10u) << run.output;
  EXPECT_TRUE(run.checkpoints.front().is_32bit);
  EXPECT_FALSE(run.checkpoints.front().large_address_aware);

  // crashed: the tab died of an out-of-memory exception in the iteration it says it did.
  ASSERT_TRUE(run.crash_iteration) << run.output;
  EXPECT_TRUE(run.crashed);
  EXPECT_EQ(run.exit_code, 0xC0000017u) << describe_exit_code(run.exit_code);
  EXPECT_EQ(run.crash_iteration, testing::reported_death_iteration(run.output)) << run.output;
  EXPECT_EQ(run.checkpoints.back().iteration, *run.crash_iteration - 1);

  // Below 2 GiB of private bytes, with hundreds of MB still free but in pieces too small. The
  // last checkpoint is the iteration before the death: at most two regions fit then (one more
  // iteration), and usually one. (Under Wine a free block of ~64 MB sometimes remains that
  // VirtualAlloc does not hand out: one CI run saw 64.2 MB free in one piece at the last
  // checkpoint, and the next 32 MB region still failed; locally the block is used and the last
  // checkpoint shows 29 MB.)
  const auto& last = run.checkpoints.back();
  EXPECT_LT(last.private_bytes, 2048 * kMiB);
  EXPECT_GT(last.private_bytes, 1000 * kMiB);
  EXPECT_LE(last.largest_free_bytes, 2 * 32 * kMiB + 4 * kMiB);
  EXPECT_GT(last.free_bytes, 5 * last.largest_free_bytes);
  EXPECT_NE(run.output.find("the iframe's region of 32.0 MB failed"), std::string::npos)
      << run.output;

  // The largest free block trends to zero: from over 1 GiB, falling by about a region per
  // iteration (least squares over the checkpoints).
  EXPECT_GT(run.checkpoints.front().largest_free_bytes, 1024 * kMiB);
  std::vector<double> x, y;
  for (const auto& c : run.checkpoints) {
    x.push_back(c.iteration);
    y.push_back(mb(c.largest_free_bytes));
  }
  const double n = double(x.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  EXPECT_LT(slope, -16.0) << "MB per iteration";

  // ceiling_reached (1.3 GB private, the profile's default) before the crash, at the iteration
  // the tab's own accounting says. The sampler attributes a sample to the iteration in progress
  // when the sample started, so its iteration may be one off either way.
  ASSERT_TRUE(run.ceiling_iteration);
  EXPECT_EQ(run.ceiling_iteration, expected_ceiling_iteration(run, *o.ceiling_bytes));
  EXPECT_LT(*run.ceiling_iteration, *run.crash_iteration);
  ASSERT_TRUE(run.sampled_ceiling_iteration);
  EXPECT_LE(std::abs(*run.sampled_ceiling_iteration - *run.ceiling_iteration), 1);
}

TEST(SyntheticIe, A64BitTabSurvivesTheSameWorkload) {
  if (testing::own_bits() == 32) GTEST_SKIP() << testing::kNo64BitTargets;
  // EPM-64: 64-bit tabs with SCODEF, no default ceiling.
  const IeProfileSpec& profile = *find_ie_profile("ie11-x64-epm");
  ASSERT_FALSE(profile.default_ceiling_bytes);
  TabRunOptions o;
  o.frame_exe = tools_dir(64) / "iexplore.exe";
  o.tab_exe = tools_dir(64) / "iexplore.exe";
  o.tab_args = kWorkload;
  o.max_iterations = 90;  // 30 % past where the 32-bit tab dies (~60): 2.1 GB private
  o.profile = profile.name;
  const TabRun run = testing::run_synthetic_tab(o);
  print_figures("64-bit tab (ie11-x64-epm)", run);
  EXPECT_FALSE(run.crash_iteration) << run.output;
  EXPECT_EQ(run.iterations_done, 90);
  ASSERT_EQ(run.checkpoints.size(), 90u);
  EXPECT_FALSE(run.checkpoints.back().is_32bit);
  EXPECT_GT(run.checkpoints.back().private_bytes, 2048 * kMiB);
  EXPECT_GT(run.checkpoints.back().largest_free_bytes, 1024ull * 1024 * kMiB);  // > 1 TiB
}

TEST(SyntheticIe, FragmentingOnCommandKillsTheTabWithMostOfItsSpaceFree) {
  if (tools_dir(32).empty()) GTEST_SKIP() << "needs the 32-bit iexplore.exe (HARNESS_IETAB_X86_DIR)";
  TabRunOptions o;
  o.frame_exe = own_dir() / "iexplore.exe";
  o.tab_exe = tools_dir(32) / "iexplore.exe";
  o.tab_args = {"--region-mb", "32", "--retain", "0.25", "--fragment-at", "4"};
  o.max_iterations = 10;
  o.ceiling_bytes = kIe32BitTabCeilingBytes;
  const TabRun run = testing::run_synthetic_tab(o);
  print_figures("32-bit tab fragmented at iteration 4", run);
  ASSERT_TRUE(run.crash_iteration) << run.output;
  EXPECT_EQ(*run.crash_iteration, 4);
  EXPECT_TRUE(run.crashed);
  EXPECT_NE(run.output.find("fragmented iteration 4"), std::string::npos);
  // It died far below the ceiling: the address space, not the memory, ran out.
  EXPECT_FALSE(run.ceiling_iteration);
  EXPECT_LT(run.checkpoints.back().private_bytes, 200 * kMiB);
}

TEST(SyntheticIe, ALargeAddressAwareTabLastsLonger) {
  const auto dir = tools_dir(32);
  if (dir.empty() || !std::filesystem::exists(dir / "laa" / "iexplore.exe")) {
    GTEST_SKIP() << "needs the 32-bit iexplore.exe builds (HARNESS_IETAB_X86_DIR)";
  }
  TabRunOptions o;
  o.frame_exe = own_dir() / "iexplore.exe";
  o.tab_exe = dir / "laa" / "iexplore.exe";
  o.tab_args = {"--region-mb", "64", "--retain", "0.75", "--layout", "fragmenting"};
  o.max_iterations = 100;
  const TabRun laa = testing::run_synthetic_tab(o);
  print_figures("32-bit large-address-aware tab", laa);
  o.tab_exe = dir / "iexplore.exe";
  const TabRun plain = testing::run_synthetic_tab(o);
  print_figures("32-bit tab, same workload", plain);
  ASSERT_TRUE(laa.crash_iteration && plain.crash_iteration) << laa.output << plain.output;
  EXPECT_TRUE(laa.checkpoints.front().large_address_aware);
  // 4 GiB instead of 2 GiB of address space under WOW64: well over the plain tab's life.
  EXPECT_GT(*laa.crash_iteration, *plain.crash_iteration * 3 / 2);
  EXPECT_GT(laa.checkpoints.back().private_bytes, 2048 * kMiB);
}

}  // namespace
}  // namespace harness
