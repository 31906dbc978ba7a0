#include "harness/browser/target_counters.hpp"

#include <gtest/gtest.h>

#include "harness/model/run_model.hpp"

namespace harness {
namespace {

TargetReading reading(std::string type, std::string url, double heap, double nodes = -1) {
  TargetReading r{std::move(type), std::move(url), {{metric::kJsHeapUsed, heap}}};
  if (nodes >= 0) r.values[metric::kNodes] = nodes;
  return r;
}

TEST(TargetCounters, LabelsNameTheKindAndWhereItCameFromWithoutThePort) {
  EXPECT_EQ(target_label("page", "http://127.0.0.1:4000/x.html"), "page");
  EXPECT_EQ(target_label("iframe", "http://localhost:4000/fixtures/keeper.html?a=1"),
            "frame:localhost");
  EXPECT_EQ(target_label("worker", "http://127.0.0.1:4000/fixtures/keeper.js?x#y"),
            "worker:127.0.0.1/fixtures/keeper.js");
  EXPECT_EQ(target_label("shared_worker", "http://[::1]:80/s.js"), "shared_worker:[::1]/s.js");
}

TEST(TargetCounters, AlonePageRecordsWhatItAlwaysDid) {
  auto page = reading("page", "http://127.0.0.1:1/", 700, 29);
  page.values[metric::kDomNodes] = 29;
  const auto out = combine_targets({page});
  EXPECT_EQ(out, page.values);
}

TEST(TargetCounters, FramesCountOncePerSiteWorkersEachAndEveryTargetIsRecorded) {
  const auto out = combine_targets({
      reading("page", "http://127.0.0.1:1/", 700, 29),
      // Two frames of one site share one renderer: its counters once.
      reading("iframe", "http://localhost:1/a.html", 300, 50),
      reading("iframe", "http://localhost:1/b.html", 300, 50),
      // Two workers of one script: two isolates, both count, under one label.
      reading("worker", "http://127.0.0.1:1/w.js", 100),
      reading("worker", "http://127.0.0.1:1/w.js", 120),
  });
  EXPECT_DOUBLE_EQ(out.at(metric::kJsHeapUsed), 700 + 300 + 100 + 120);
  EXPECT_DOUBLE_EQ(out.at(metric::kNodes), 29 + 50);
  EXPECT_DOUBLE_EQ(out.at(target_metric("page", metric::kJsHeapUsed)), 700);
  EXPECT_DOUBLE_EQ(out.at(target_metric("frame:localhost", metric::kNodes)), 50);
  EXPECT_DOUBLE_EQ(out.at(target_metric("worker:127.0.0.1/w.js", metric::kJsHeapUsed)), 220);
  EXPECT_EQ(out.count(target_metric("worker:127.0.0.1/w.js", metric::kNodes)), 0u);
}

TEST(TargetCounters, MetricNamesRoundTrip) {
  const std::string name = target_metric("frame:localhost", metric::kNodes);
  EXPECT_EQ(name, "target[frame:localhost].nodes");
  const auto parsed = parse_target_metric(name);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->first, "frame:localhost");
  EXPECT_EQ(parsed->second, metric::kNodes);
  EXPECT_FALSE(parse_target_metric(metric::kNodes));
}

}  // namespace
}  // namespace harness
