#include "harness/store/summary_json.hpp"

#include <gtest/gtest.h>

#include "../report/fixed_model.hpp"
#include "../report/golden.hpp"
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

// The projections (with the after-GC trend and headroom) and the ceiling's early projection come
// back from summary.json, so `harness report` draws what the run's own report drew.
TEST(SummaryJson, RoundTripsTheProjections) {
  RunSummary original = harness::testing::fixed_summary();
  Projection p;
  p.metric = metric::kRendererPrivatePeak;
  p.trend_metric = metric::kRendererPrivate;
  p.headroom_bytes = 87.0 * 1048576;
  p.ceiling_bytes = 1300.0 * 1048576;
  p.iteration = 103.3;
  p.iteration_earliest = 102.5;
  p.iteration_latest = 104.25;
  p.seconds = 281.5;
  p.seconds_earliest = 280.0;
  p.seconds_per_iteration = 2.5;
  p.fit_intercept = 58982400.5;
  p.fit_slope_per_iteration = 11789824.25;
  p.fit_first_iteration = 0;
  p.fit_last_iteration = 24;
  original.projection = p;
  CeilingReport ceiling;
  ceiling.bytes = p.ceiling_bytes;
  ceiling.metric = metric::kRendererPrivate;
  ceiling.enforce = "kill";
  ceiling.reached_iteration = 104;
  ceiling.reached_t_ms = 278107;
  ceiling.reached_bytes = 1363787776;
  p.iteration = 103.0;
  ceiling.early_projection = p;
  original.ceiling = ceiling;
  const RunSummary back = summary_from_json(summary_to_json(original), "test");
  ASSERT_TRUE(back.projection);
  EXPECT_EQ(back.projection->trend_metric, metric::kRendererPrivate);
  EXPECT_EQ(back.projection->headroom_bytes, 87.0 * 1048576);
  EXPECT_EQ(back.projection->fit_intercept, 58982400.5);
  EXPECT_EQ(back.projection->fit_slope_per_iteration, 11789824.25);
  EXPECT_EQ(back.projection->fit_first_iteration, 0);
  EXPECT_EQ(back.projection->fit_last_iteration, 24);
  ASSERT_TRUE(back.ceiling && back.ceiling->early_projection);
  EXPECT_EQ(back.ceiling->early_projection->iteration, 103.0);
  EXPECT_EQ(render_summary_json(back), render_summary_json(original));
}

// The fitted line is an added field: written as `fit`, and a summary without it (written before
// it was recorded) reads as no line.
TEST(SummaryJson, TheProjectionsFittedLine) {
  RunSummary s = harness::testing::fixed_summary();
  Projection p;
  p.metric = metric::kRendererPrivate;
  p.ceiling_bytes = 1300.0 * 1048576;
  p.iteration = 80;
  p.fit_intercept = 30.0 * 1048576;
  p.fit_slope_per_iteration = 0.8 * 1048576;
  p.fit_first_iteration = 0;
  p.fit_last_iteration = 10;
  s.projection = p;
  auto j = summary_to_json(s);
  const auto& fit = j["projection"]["fit"];
  EXPECT_EQ(fit["intercept"], 30 * 1048576);
  EXPECT_DOUBLE_EQ(fit["slope_per_iteration"].get<double>(), 0.8 * 1048576);
  EXPECT_EQ(fit["iterations"], nlohmann::ordered_json::array({0, 10}));
  j["projection"].erase("fit");
  const RunSummary old = summary_from_json(j, "old.json");
  ASSERT_TRUE(old.projection);
  EXPECT_EQ(old.projection->iteration, 80);
  EXPECT_EQ(old.projection->fit_slope_per_iteration, 0);
  EXPECT_TRUE(summary_to_json(old)["projection"]["fit"].is_null());
}

TEST(SummaryJson, RejectsOtherJson) {
  EXPECT_THROW(summary_from_json(nlohmann::json{{"hello", 1}}, "x.json"), InputError);
}

}  // namespace
}  // namespace harness

namespace harness {
namespace {

TEST(SummaryJson, ComponentsOnlyWhenTheScenarioHasThemAndTheyRoundTrip) {
  RunSummary s = harness::testing::fixed_summary();
  EXPECT_FALSE(summary_to_json(s).contains("components"));
  s.info.components = nlohmann::json::array(
      {{{"name", "audit"}, {"kind", "extension"}, {"switch", "on"}, {"present", true},
        {"version", "2.4.1"}}});
  const auto j = summary_to_json(s);
  ASSERT_TRUE(j.contains("components"));
  EXPECT_EQ(j["components"][0]["version"], "2.4.1");
  EXPECT_EQ(summary_from_json(j, "test").info.components, s.info.components);
}

}  // namespace
}  // namespace harness
