#include <gtest/gtest.h>
#include <unistd.h>

#include "harness/platform/linux/proc_stat.hpp"
#include "harness/platform/process_tree.hpp"

namespace harness {
namespace {

TEST(ParseProcStat, CommWithSpacesAndParens) {
  const std::string text =
      "4242 (Web Content (x)) S 17 4242 17 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 1 2 3\n";
  auto stat = parse_proc_stat(text);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->ppid, 17);
  EXPECT_EQ(stat->start_ticks, 987654u);
}

TEST(ParseProcStat, RejectsTruncated) { EXPECT_FALSE(parse_proc_stat("1 (x) S 0")); }

TEST(ReadProcStat, OwnProcess) {
  auto stat = read_proc_stat(::getpid());
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->ppid, ::getppid());
  EXPECT_GT(stat->start_ticks, 0u);
}

TEST(ParseStatm, Fields) {
  StatmValues v;
  ASSERT_TRUE(parse_statm("362064 155059 26357 2390 0 95283 0\n", v));
  EXPECT_EQ(v.size_pages, 362064u);
  EXPECT_EQ(v.resident_pages, 155059u);
  EXPECT_EQ(v.shared_pages, 26357u);
  EXPECT_FALSE(parse_statm("garbage", v));
}

TEST(ParseSmapsRollup, PssAndPrivate) {
  const std::string text =
      "55d0c0000000-7ffd9d5fe000 ---p 00000000 00:00 0                          [rollup]\n"
      "Rss:              620236 kB\n"
      "Pss:              521467 kB\n"
      "Pss_Anon:         500000 kB\n"
      "Shared_Clean:      90000 kB\n"
      "Private_Clean:     14000 kB\n"
      "Private_Dirty:    500484 kB\n"
      "Swap:                 12 kB\n"
      "SwapPss:              12 kB\n";
  DetailedReading d;
  ASSERT_TRUE(parse_smaps_rollup(text, d));
  EXPECT_EQ(d.cheap.rss_bytes, 620236u * 1024);
  EXPECT_EQ(d.pss_bytes, 521467u * 1024);  // not Pss_Anon
  EXPECT_EQ(d.smaps_private_bytes, (14000u + 500484u) * 1024);
  EXPECT_EQ(d.swap_bytes, 12u * 1024);  // not SwapPss
  EXPECT_FALSE(parse_smaps_rollup("", d));
}

TEST(ParseStatusMemory, PeakAndData) {
  DetailedReading d;
  parse_status_memory("Name:\tx\nVmPeak:\t 100 kB\nVmHWM:\t  620236 kB\nVmData:\t1158916 kB\n", d);
  EXPECT_EQ(d.peak_rss_bytes, 620236u * 1024);
  EXPECT_EQ(d.data_bytes, 1158916u * 1024);
}

}  // namespace
}  // namespace harness
