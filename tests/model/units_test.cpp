#include "harness/model/units.hpp"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(ParseSize, UnitsBinaryAndDecimal) {
  EXPECT_EQ(parse_size("1300MiB"), 1300ull * 1024 * 1024);
  EXPECT_EQ(parse_size("200KiB"), 200ull * 1024);
  EXPECT_EQ(parse_size("2GiB"), 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_size("1.3GB"), 1'300'000'000ull);
  EXPECT_EQ(parse_size("10 KB"), 10'000ull);
  EXPECT_EQ(parse_size("512"), 512ull);
  EXPECT_EQ(parse_size("512B"), 512ull);
  EXPECT_EQ(parse_size("0.5MiB"), 512ull * 1024);
}

TEST(ParseSize, RejectsGarbage) {
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("lots"));
  EXPECT_FALSE(parse_size("-5MiB"));
  EXPECT_FALSE(parse_size("5 parsecs"));
  EXPECT_FALSE(parse_size("MiB"));
}

TEST(FormatBytes, PicksAUnit) {
  EXPECT_EQ(format_bytes(12), "12 B");
  EXPECT_EQ(format_bytes(4096), "4.0 KiB");
  EXPECT_EQ(format_bytes(1.5 * 1024 * 1024), "1.5 MiB");
  EXPECT_EQ(format_bytes(1300.0 * 1024 * 1024), "1.27 GiB");
  EXPECT_EQ(format_bytes(-2.0 * 1024 * 1024), "-2.0 MiB");
}

}  // namespace
}  // namespace harness
