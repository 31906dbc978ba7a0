#include "harness/report/summary_json.hpp"

#include <gtest/gtest.h>

#include "fixed_model.hpp"
#include "golden.hpp"
#include "harness/error.hpp"

namespace harness {
namespace {

TEST(SummaryJson, Golden) {
  harness::testing::expect_golden("summary.json", render_summary_json(harness::testing::fixed_summary()));
}

TEST(SummaryJson, CarriesTheContractFields) {
  const auto j = summary_to_json(harness::testing::fixed_summary());
  for (const char* key : {"scenario", "browser", "variant", "status", "iterations_completed",
                          "started_at", "ended_at", "browser_version", "driver_version", "curve"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["variant"]["retention"], "window");
  EXPECT_EQ(j["curve"]["metric"], "renderer.private_bytes");
  ASSERT_EQ(j["curve"]["points"].size(), 3u);
  EXPECT_EQ(j["curve"]["points"][1][0], 5);
  EXPECT_EQ(j["curve"]["points"][1][1], 50 * 1048576);
}

TEST(SummaryJson, RoundTrips) {
  const RunSummary original = harness::testing::fixed_summary();
  const RunSummary back = summary_from_json(summary_to_json(original), "test");
  EXPECT_EQ(back.info.id, original.info.id);
  EXPECT_EQ(back.info.variant, original.info.variant);
  EXPECT_EQ(back.info.status, original.info.status);
  EXPECT_EQ(back.info.ceiling_bytes, original.info.ceiling_bytes);
  ASSERT_EQ(back.checkpoints.size(), 3u);
  EXPECT_EQ(back.checkpoints[2].metrics.at(metric::kNodes), 55000);
  EXPECT_EQ(render_summary_json(back), render_summary_json(original));
}

TEST(SummaryJson, RejectsOtherJson) {
  EXPECT_THROW(summary_from_json(nlohmann::json{{"hello", 1}}, "x.json"), InputError);
}

}  // namespace
}  // namespace harness
