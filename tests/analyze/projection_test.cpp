// The ceiling projection: the plain line, and the after-GC trend plus the peaks' headroom.
#include "harness/analyze/projection.hpp"

#include <gtest/gtest.h>

namespace harness {
namespace {

constexpr double kMiB = 1048576.0;

CheckpointRecord point(int iteration, double after_gc_mib, double peak_mib) {
  CheckpointRecord c;
  c.iteration = iteration;
  c.t_ms = 1000 * static_cast<std::int64_t>(iteration);
  c.metrics["renderer.private_bytes"] = after_gc_mib * kMiB;
  c.metrics["renderer.private_peak_bytes"] = peak_mib * kMiB;
  return c;
}

TEST(Projection, StraightLineCrossesWhereItShould) {
  std::vector<CheckpointRecord> points;
  for (int i = 0; i <= 10; ++i) points.push_back(point(i, 100 + 10 * i, 0));
  const auto p = project_ceiling(points, "renderer.private_bytes", 600 * kMiB);
  ASSERT_TRUE(p);
  EXPECT_NEAR(p->iteration, 50.0, 1e-6);
  EXPECT_NEAR(p->seconds, 50.0, 1e-6);
  EXPECT_NEAR(p->seconds_per_iteration, 1.0, 1e-9);
  EXPECT_TRUE(p->trend_metric.empty());
}

TEST(Projection, NoneWithoutGrowthOrPoints) {
  std::vector<CheckpointRecord> flat;
  for (int i = 0; i <= 10; ++i) flat.push_back(point(i, 100, 0));
  EXPECT_FALSE(project_ceiling(flat, "renderer.private_bytes", 600 * kMiB));
  EXPECT_FALSE(project_ceiling({point(0, 1, 0), point(1, 2, 0)}, "renderer.private_bytes",
                               600 * kMiB));
}

// The case that made the peaks alone miss: the first peaks carry the page load (high), so their
// line is flatter than the retained memory's and projects the crossing too late. The trend plus
// the median headroom lands where the peaks actually cross.
TEST(Projection, HeadroomOverTheTrendIgnoresALoadedFirstPeak) {
  std::vector<CheckpointRecord> points;
  for (int i = 0; i <= 10; ++i) {
    const double after_gc = 50 + 11 * i;
    const double peak = after_gc + (i % 2 == 0 ? 78 : 84) + (i < 2 ? 60 : 0);
    points.push_back(point(i, after_gc, peak));
  }
  // True crossing of the peaks: 50 + 11·i + 81 = 600 → i ≈ 42.6.
  const auto with_headroom = project_ceiling_with_headroom(
      points, "renderer.private_bytes", "renderer.private_peak_bytes", 600 * kMiB);
  ASSERT_TRUE(with_headroom);
  EXPECT_EQ(with_headroom->metric, "renderer.private_peak_bytes");
  EXPECT_EQ(with_headroom->trend_metric, "renderer.private_bytes");
  EXPECT_NEAR(with_headroom->headroom_bytes, 84 * kMiB, 1e-3);  // 2 loaded, 5 × 78, 4 × 84: the median is 84
  EXPECT_NEAR(with_headroom->iteration, (600.0 - 50 - 84) / 11, 1e-6);
  // The after-GC line is exact, so the interval is the headroom's quartiles (84 and 78) alone.
  ASSERT_TRUE(with_headroom->iteration_earliest && with_headroom->iteration_latest);
  EXPECT_NEAR(*with_headroom->iteration_earliest, (600.0 - 50 - 84) / 11, 1e-6);
  EXPECT_NEAR(*with_headroom->iteration_latest, (600.0 - 50 - 78) / 11, 1e-6);
  const auto peaks_only =
      project_ceiling(points, "renderer.private_peak_bytes", 600 * kMiB);
  ASSERT_TRUE(peaks_only);
  EXPECT_GT(peaks_only->iteration, with_headroom->iteration + 1.5);
}

TEST(Projection, HeadroomNeverNegativeAndFallsBackToThePeaks) {
  std::vector<CheckpointRecord> points;
  for (int i = 0; i <= 5; ++i) points.push_back(point(i, 100 + 10 * i, 90 + 10 * i));
  const auto p = project_ceiling_with_headroom(points, "renderer.private_bytes",
                                               "renderer.private_peak_bytes", 600 * kMiB);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->headroom_bytes, 0.0);
  EXPECT_NEAR(p->iteration, 50.0, 1e-6);

  std::vector<CheckpointRecord> peaks_only;
  for (int i = 0; i <= 5; ++i) {
    CheckpointRecord c;
    c.iteration = i;
    c.t_ms = 1000 * i;
    c.metrics["renderer.private_peak_bytes"] = (200 + 20 * i) * kMiB;
    peaks_only.push_back(c);
  }
  const auto fallback = project_ceiling_with_headroom(
      peaks_only, "renderer.private_bytes", "renderer.private_peak_bytes", 600 * kMiB);
  ASSERT_TRUE(fallback);
  EXPECT_TRUE(fallback->trend_metric.empty());
  EXPECT_NEAR(fallback->iteration, 20.0, 1e-6);
}

}  // namespace
}  // namespace harness
