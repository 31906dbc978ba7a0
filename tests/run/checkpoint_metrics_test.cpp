#include "harness/run/checkpoint_metrics.hpp"

#include <gtest/gtest.h>

#include "harness/model/run_model.hpp"

namespace harness {
namespace {

DetailedReading reading(ProcessRole role, std::uint64_t private_bytes, std::uint64_t pss,
                        std::string subtype = "") {
  DetailedReading d;
  d.cheap.role = role;
  d.cheap.subtype = std::move(subtype);
  d.cheap.private_bytes = private_bytes;
  d.pss_bytes = pss;
  d.smaps_private_bytes = private_bytes + 1;
  return d;
}

TEST(AggregateProcessMetrics, SumsByKindExcludingDriverAndWebUi) {
  const auto m = aggregate_process_metrics({
      reading(ProcessRole::kDriver, 1000, 1000),
      reading(ProcessRole::kBrowser, 30, 40),
      reading(ProcessRole::kRenderer, 100, 110),
      reading(ProcessRole::kRenderer, 50, 55),
      reading(ProcessRole::kRenderer, 70, 75, "webui"),
      reading(ProcessRole::kGpu, 20, 25),
      reading(ProcessRole::kUtility, 5, 6),
      reading(ProcessRole::kUtility, 5, 6),
  });
  EXPECT_EQ(m.at(metric::kRendererPrivate), 150);
  EXPECT_EQ(m.at(metric::kRendererPss), 165);
  EXPECT_EQ(m.at(metric::kRendererSmapsPrivate), 152);
  EXPECT_EQ(m.at(metric::kRendererCount), 2);
  EXPECT_EQ(m.at(metric::kBrowserPrivate), 30);
  EXPECT_EQ(m.at(metric::kGpuPrivate), 20);
  EXPECT_EQ(m.at(metric::kUtilityPrivate), 10);
  EXPECT_EQ(m.at(metric::kTreePrivate), 280);  // everything but the driver, WebUI included
  EXPECT_EQ(m.at(metric::kTreePss), 317);
}

TEST(AggregateProcessMetrics, AddressSpaceOnlyWhereMeasured) {
  EXPECT_FALSE(aggregate_process_metrics({reading(ProcessRole::kRenderer, 1, 1)})
                   .count(metric::kRendererLargestFreeBlock));
  DetailedReading a = reading(ProcessRole::kRenderer, 100, 100);
  a.largest_free_block_bytes = 300;
  a.free_bytes = 900;
  a.cheap.virtual_bytes = 2000;
  DetailedReading b = a;
  b.largest_free_block_bytes = 200;  // the tab closest to failing
  const auto m = aggregate_process_metrics({a, b});
  EXPECT_EQ(m.at(metric::kRendererLargestFreeBlock), 200);
  EXPECT_EQ(m.at(metric::kRendererFree), 1800);
  EXPECT_EQ(m.at(metric::kRendererVirtual), 4000);
}

TEST(AggregateProcessMetrics, EmptyTreeIsZeros) {
  const auto m = aggregate_process_metrics({});
  EXPECT_EQ(m.at(metric::kRendererPrivate), 0);
  EXPECT_EQ(m.at(metric::kRendererCount), 0);
}

TEST(RendererPrivateBytes, SameRuleAsCheckpoints) {
  ProcessReading r;
  r.role = ProcessRole::kRenderer;
  r.private_bytes = 10;
  ProcessReading w = r;
  w.subtype = "webui";
  EXPECT_EQ(renderer_private_bytes({r, r, w}), 20);
}

}  // namespace
}  // namespace harness
