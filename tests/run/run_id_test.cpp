#include <gtest/gtest.h>

#include "harness/model/time.hpp"
#include "harness/run/run_id.hpp"

namespace harness {
namespace {

TEST(RunId, ReadableSortableAndSafe) {
  VariantAssignment v;
  v.values = {{"retention", "window"}, {"plugin", "2.1 beta/x"}};
  EXPECT_EQ(make_run_id("20261122T170102Z", "vtm-review", "chromium", v),
            "20261122T170102Z-vtm-review-chromium-retention=window_plugin=2.1-beta-x");
  EXPECT_EQ(make_run_id("20261122T170102Z", "s", "chromium", {}), "20261122T170102Z-s-chromium");
}

TEST(UtcTime, Formats) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'795'000'000'123));
  EXPECT_EQ(utc_iso8601(t), "2026-11-18T11:06:40.123Z");
  EXPECT_EQ(utc_compact(t), "20261118T110640Z");
}

}  // namespace
}  // namespace harness
