// Synthetic curves of every shape, with the expected verdicts worked out by hand from the rules
// in verdict.hpp (thresholds: renderer 256 KiB/it, browser 512 KiB/it, JS heap 4 KiB/it,
// nodes, documents and listeners 0.05/it).
#include "harness/analyze/verdict.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

namespace harness {
namespace {

using ::testing::HasSubstr;

constexpr double KiB = 1024.0;
constexpr double MiB = 1024.0 * 1024.0;

const MetricRule& rule(const std::string& metric) {
  for (const auto& r : default_metric_rules()) {
    if (r.metric == metric) return r;
  }
  throw std::runtime_error("no rule " + metric);
}

Curve curve(const std::string& metric, int last, int every, const std::function<double(int)>& f) {
  Curve c{metric, {}};
  for (int i = 0; i <= last; i += every) c.points.push_back({i, f(i)});
  return c;
}

// A deterministic ±amplitude wiggle, like GC-to-GC noise.
double wiggle(int i, double amplitude) {
  static const double kPattern[] = {0.3, -0.8, 0.6, -0.2, 0.9, -0.5, 0.1, -0.9, 0.4, -0.1, 0.7, -0.6, 0.2};
  return amplitude * kPattern[(i / 5) % 13];
}

TEST(AnalyzeMetric, SlowJsLeakRetains) {
  // 10 KiB per iteration over 60 iterations: OLS slope exactly 10 KiB, interval [10, 10],
  // above 4 KiB; the last 10 iterations still grow 10 KiB/it > 2 KiB.
  const auto v = analyze_metric(curve(metric::kJsHeapUsed, 60, 5,
                                      [](int i) { return 700 * KiB + 10 * KiB * i + wiggle(i, 512); }),
                                rule(metric::kJsHeapUsed));
  EXPECT_EQ(v.kind, VerdictKind::kRetains) << v.reason;
  EXPECT_NEAR(v.slope, 10 * KiB, 100);
  EXPECT_THAT(v.reason, HasSubstr("page.js_heap_used_bytes (the page's JavaScript heaps) grows 10.0 KiB/iteration"));
  EXPECT_THAT(v.reason, HasSubstr("above the threshold of 4.0 KiB/iteration"));
}

TEST(AnalyzeMetric, GrowthOverTooFewIterationsIsInsufficientNotALeak) {
  const auto v = analyze_metric(
      curve(metric::kJsHeapUsed, 30, 5, [](int i) { return 700 * KiB + 10 * KiB * i; }),
      rule(metric::kJsHeapUsed));
  EXPECT_EQ(v.kind, VerdictKind::kInsufficient);
  EXPECT_THAT(v.reason, HasSubstr("40 iterations are needed to call it a leak, 30 were measured"));
}

TEST(AnalyzeMetric, LeakEveryTenthIterationRetains) {
  // +500 KiB at iterations 10, 20, ...: a staircase averaging 50 KiB/it; every 10-iteration
  // window contains a step.
  const auto v = analyze_metric(curve(metric::kJsHeapUsed, 60, 5,
                                      [](int i) { return 1 * MiB + 500 * KiB * (i / 10); }),
                                rule(metric::kJsHeapUsed));
  EXPECT_EQ(v.kind, VerdictKind::kRetains) << v.reason;
  EXPECT_NEAR(v.slope, 50 * KiB, 5 * KiB);
}

TEST(AnalyzeMetric, BoundedCachePlateaus) {
  // +100 KiB/it until iteration 30, then flat: head slope 100 KiB/it, tail 30–60 (30 iterations
  // >= max(15, 30/2)) exactly flat.
  const auto v = analyze_metric(
      curve(metric::kJsHeapUsed, 60, 5, [](int i) { return 1 * MiB + 100 * KiB * std::min(i, 30); }),
      rule(metric::kJsHeapUsed));
  EXPECT_EQ(v.kind, VerdictKind::kPlateau) << v.reason;
  ASSERT_TRUE(v.plateau_from);
  EXPECT_EQ(*v.plateau_from, 30);
  EXPECT_THAT(v.reason, HasSubstr("until iteration 30, then stayed flat for 30 iterations"));
}

TEST(AnalyzeMetric, CacheThatJustFilledIsNotYetALeak) {
  // At iteration 40 the tail (30–40) is too short for a plateau, and the last 10 iterations are
  // flat: insufficient, not retains.
  const auto v = analyze_metric(
      curve(metric::kJsHeapUsed, 40, 5, [](int i) { return 1 * MiB + 100 * KiB * std::min(i, 30); }),
      rule(metric::kJsHeapUsed));
  EXPECT_EQ(v.kind, VerdictKind::kInsufficient) << v.reason;
  EXPECT_THAT(v.reason, HasSubstr("may be a cache filling up"));
}

TEST(AnalyzeMetric, CacheThatFilledAtIteration32IsNotALeakAt40) {
  // The last window (30, 35, 40) still rises from 30 to 32: OLS slope 20 KiB/it there, above
  // half the threshold but below half the curve's 75 KiB/it: not yet a leak.
  const auto v = analyze_metric(
      curve(metric::kJsHeapUsed, 40, 5, [](int i) { return 1 * MiB + 100 * KiB * std::min(i, 32); }),
      rule(metric::kJsHeapUsed));
  EXPECT_EQ(v.kind, VerdictKind::kInsufficient) << v.reason;
  // ...and a plateau once the flat tail is long enough.
  const auto later = analyze_metric(
      curve(metric::kJsHeapUsed, 55, 5, [](int i) { return 1 * MiB + 100 * KiB * std::min(i, 32); }),
      rule(metric::kJsHeapUsed));
  EXPECT_EQ(later.kind, VerdictKind::kPlateau) << later.reason;
}

TEST(AnalyzeMetric, LeakEveryTenthIterationOutOfPhaseRetains) {
  // Steps at 5, 15, 25, ...: the last window still shows one.
  const auto v = analyze_metric(curve(metric::kJsHeapUsed, 40, 5,
                                      [](int i) { return 1 * MiB + 500 * KiB * ((i + 5) / 10); }),
                                rule(metric::kJsHeapUsed));
  EXPECT_EQ(v.kind, VerdictKind::kRetains) << v.reason;
}

TEST(AnalyzeMetric, FlatNoisyRendererIsStable) {
  // ±0.9 MiB of noise around 40 MiB plus a 60 KiB/it drift: OLS CI high stays under 256 KiB.
  const auto v = analyze_metric(curve(metric::kRendererPrivate, 60, 5,
                                      [](int i) { return 40 * MiB + 60 * KiB * i + wiggle(i, MiB); }),
                                rule(metric::kRendererPrivate));
  EXPECT_EQ(v.kind, VerdictKind::kStable) << v.reason;
  EXPECT_LT(v.ci95_high, 256 * KiB);
}

TEST(AnalyzeMetric, StableNeedsEnoughIterations) {
  const auto v = analyze_metric(curve(metric::kNodes, 15, 5, [](int) { return 351; }),
                                rule(metric::kNodes));
  EXPECT_EQ(v.kind, VerdictKind::kInsufficient);
  EXPECT_THAT(v.reason, HasSubstr("20 are needed to call it stable"));
  const auto longer = analyze_metric(curve(metric::kNodes, 20, 5, [](int) { return 351; }),
                                     rule(metric::kNodes));
  EXPECT_EQ(longer.kind, VerdictKind::kStable);
}

TEST(AnalyzeMetric, RetainedDocumentsAreALeakEarly) {
  // A removed frame kept per iteration: +1 document/it. Structural metrics need only 10
  // iterations (4 checkpoints here: 0, 5, 10, 15).
  const auto v = analyze_metric(curve(metric::kDocuments, 15, 5, [](int i) { return 3.0 + i; }),
                                rule(metric::kDocuments));
  EXPECT_EQ(v.kind, VerdictKind::kRetains) << v.reason;
  EXPECT_THAT(v.reason, HasSubstr("1 documents/iteration"));
}

TEST(AnalyzeMetric, NoisyStraddleIsInsufficient) {
  // Slope 256 KiB/it with ±4 MiB noise over 20 iterations: the interval contains the threshold.
  const auto v = analyze_metric(curve(metric::kRendererPrivate, 20, 5,
                                      [](int i) { return 40 * MiB + 256 * KiB * i + wiggle(i, 4 * MiB); }),
                                rule(metric::kRendererPrivate));
  EXPECT_EQ(v.kind, VerdictKind::kInsufficient) << v.reason;
  EXPECT_THAT(v.reason, HasSubstr("too noisy to say"));
}

TEST(AnalyzeMetric, OneNodePerIterationRetains) {
  // fuite's domNodes pages: one element more per transaction, exactly. 20 iterations.
  const auto v = analyze_metric(curve(metric::kNodes, 20, 1, [](int i) { return 351.0 + i; }),
                                rule(metric::kNodes));
  EXPECT_EQ(v.kind, VerdictKind::kRetains) << v.reason;
  EXPECT_THAT(v.reason, HasSubstr("page.nodes (the page's DOM) grows 1 nodes/iteration"));
  // One node more, once (a lazily built tooltip), is not a leak.
  const auto once = analyze_metric(
      curve(metric::kNodes, 40, 2, [](int i) { return 351.0 + (i >= 6 ? 1 : 0); }),
      rule(metric::kNodes));
  EXPECT_EQ(once.kind, VerdictKind::kStable) << once.reason;
}

TEST(AnalyzeMetric, BrowserProcessGrowthRetainsAndSaysWhichProcess) {
  // Never-revoked 2 MiB object URLs: the browser process grows 2 MiB/iteration.
  const auto v = analyze_metric(
      curve(metric::kBrowserPrivate, 40, 2,
            [](int i) { return 35 * MiB + 2 * MiB * i + wiggle(i, 200 * KiB); }),
      rule(metric::kBrowserPrivate));
  EXPECT_EQ(v.kind, VerdictKind::kRetains) << v.reason;
  EXPECT_EQ(v.subject, "the browser process");
  EXPECT_THAT(v.reason, HasSubstr("browser.private_bytes (the browser process) grows"));
  // Its measured drift on clean pages (~72 KiB/iteration) is not.
  const auto clean = analyze_metric(
      curve(metric::kBrowserPrivate, 60, 2,
            [](int i) { return 35 * MiB + 72 * KiB * i + wiggle(i, 200 * KiB); }),
      rule(metric::kBrowserPrivate));
  EXPECT_EQ(clean.kind, VerdictKind::kStable) << clean.reason;
}

// Checkpoints a random amount above a floor (a page keeping buffers of random size until the
// next transaction), seeded, one per iteration (a noisy adaptive run checks every iteration).
Curve floor_curve(int last, double floor_slope, double mean_height, unsigned seed) {
  std::mt19937 random(seed);
  std::exponential_distribution<double> height(1 / mean_height);
  return curve(metric::kJsHeapUsed, last, 1,
               [&](int i) { return 700 * KiB + floor_slope * i + height(random); });
}

TEST(AnalyzeMetric, NoisyFloorDecidesStableWithItsBound) {
  // Heights of 1 MiB on average: the line through the points straddles 4 KiB/iteration, the
  // floor is flat.
  const auto v = analyze_metric(floor_curve(200, 0, 1 * MiB, 7), rule(metric::kJsHeapUsed));
  EXPECT_EQ(v.kind, VerdictKind::kStable) << v.reason;
  EXPECT_EQ(v.fit, "lower envelope");
  EXPECT_THAT(v.reason, HasSubstr("at 99 %, below the threshold of 4.0 KiB/iteration"));
}

TEST(AnalyzeMetric, LeakUnderNoiseRaisesTheFloor) {
  const auto v = analyze_metric(floor_curve(150, 12 * KiB, 1 * MiB, 7), rule(metric::kJsHeapUsed));
  EXPECT_EQ(v.kind, VerdictKind::kRetains) << v.reason;
  EXPECT_EQ(v.fit, "lower envelope");
  EXPECT_THAT(v.reason, HasSubstr("a leak raises the floor"));
}

TEST(AnalyzeMetric, NoiseTooLargeForTheDataStaysInsufficientAndSaysSo) {
  // 8 MiB on average over 60 iterations: neither a leak nor stable can be told; the verdict
  // must not guess either way (a line through such points, asked after every checkpoint, did).
  for (unsigned seed = 1; seed <= 20; ++seed) {
    for (double slope : {0.0, 12 * KiB}) {
      const auto v = analyze_metric(floor_curve(60, slope, 8 * MiB, seed), rule(metric::kJsHeapUsed));
      EXPECT_EQ(v.kind, VerdictKind::kInsufficient) << seed << " " << slope << ": " << v.reason;
      EXPECT_THAT(v.reason, HasSubstr("would"));
    }
  }
}

TEST(AnalyzeMetric, StraddleSaysHowManyMoreIterationsWouldDecide) {
  // Symmetric noise has no floor to fit well: OLS straddles, and says what would decide it.
  const auto v = analyze_metric(
      curve(metric::kRendererPrivate, 20, 5,
            [](int i) { return 40 * MiB + 100 * KiB * i + wiggle(i, 2 * MiB); }),
      rule(metric::kRendererPrivate));
  EXPECT_EQ(v.kind, VerdictKind::kInsufficient) << v.reason;
  // Half-width 290 KiB, 82 KiB from the threshold: (290/82)^(2/3) = 2.32 times the 20 iterations
  // (no regular expression: gtest's on Windows knows no [0-9]).
  EXPECT_THAT(v.reason, HasSubstr("about 27 more iterations would decide it"));
}

TEST(AnalyzeCheckpoints, TooNoisyOnlyForAMetricJudgedByItsFloor) {
  Verdict v;
  v.kind = VerdictKind::kInsufficient;
  MetricVerdict m;
  m.kind = VerdictKind::kInsufficient;
  m.threshold = 4 * KiB;
  m.ci95_low = -10 * KiB;
  m.ci95_high = 20 * KiB;
  m.first_iteration = 0;
  m.last_iteration = 30;
  v.per_metric.push_back(m);
  EXPECT_FALSE(too_noisy(v));  // a straddling interval alone keeps the schedule
  v.per_metric[0].noisy = true;
  EXPECT_TRUE(too_noisy(v));
  v.kind = VerdictKind::kRetains;  // decided: nothing more to check
  EXPECT_FALSE(too_noisy(v));
}

TEST(AnalyzeMetric, TooFewPoints) {
  const auto v = analyze_metric(curve(metric::kNodes, 10, 5, [](int) { return 1; }),
                                rule(metric::kNodes));
  EXPECT_EQ(v.kind, VerdictKind::kInsufficient);
  EXPECT_THAT(v.reason, HasSubstr("only 3 checkpoint(s)"));
}

TEST(AnalyzeMetric, OneOutlierDoesNotMakeALeak) {
  // Flat, but the last checkpoint jumps by 20 MiB: OLS may lean, Theil–Sen does not.
  const auto v = analyze_metric(curve(metric::kRendererPrivate, 60, 5,
                                      [](int i) { return 40 * MiB + (i == 60 ? 20 * MiB : 0); }),
                                rule(metric::kRendererPrivate));
  EXPECT_NE(v.kind, VerdictKind::kRetains) << v.reason;
}

TEST(AnalyzeMetric, WarmupPointsAreIgnored) {
  Curve c = curve(metric::kNodes, 30, 5, [](int) { return 351; });
  c.points.insert(c.points.begin(), {{-2, 10}, {-1, 200}});
  const auto v = analyze_metric(c, rule(metric::kNodes));
  EXPECT_EQ(v.kind, VerdictKind::kStable);
  EXPECT_EQ(v.first_iteration, 0);
}

std::vector<CheckpointRecord> checkpoints(int last, int every,
                                          const std::map<std::string, std::function<double(int)>>& f) {
  std::vector<CheckpointRecord> out;
  for (int i = 0; i <= last; i += every) {
    CheckpointRecord c;
    c.iteration = i;
    for (const auto& [name, fn] : f) c.metrics[name] = fn(i);
    out.push_back(c);
  }
  return out;
}

TEST(AnalyzeCheckpoints, DetachedDomWithFlatHeapStillRetains) {
  const auto v = analyze_checkpoints(checkpoints(
      60, 5,
      {{metric::kRendererPrivate, [](int i) { return 40 * MiB + 20 * KiB * i + wiggle(i, 300 * KiB); }},
       {metric::kJsHeapUsed, [](int i) { return 700 * KiB + 200.0 * i; }},
       {metric::kNodes, [](int i) { return 351.0 + 300 * i; }},
       {metric::kDocuments, [](int) { return 3.0; }},
       {metric::kListeners, [](int) { return 2.0; }}}));
  EXPECT_EQ(v.kind, VerdictKind::kRetains) << v.reason;
  EXPECT_EQ(v.metrics, std::vector<std::string>{metric::kNodes});
  ASSERT_TRUE(v.slope_bytes_per_iteration);
  EXPECT_NEAR(*v.slope_bytes_per_iteration, 20 * KiB, 10 * KiB);
  ASSERT_TRUE(v.ci95);
}

TEST(AnalyzeCheckpoints, CleanChurnIsStable) {
  const auto v = analyze_checkpoints(checkpoints(
      30, 5,
      {{metric::kRendererPrivate, [](int i) { return 40 * MiB + wiggle(i, 500 * KiB); }},
       {metric::kJsHeapUsed, [](int i) { return 700 * KiB + 1.2 * KiB * i; }},  // driver residue
       {metric::kNodes, [](int) { return 351.0; }},
       {metric::kDocuments, [](int) { return 3.0; }}}));
  EXPECT_EQ(v.kind, VerdictKind::kStable) << v.reason;
  EXPECT_THAT(v.reason, HasSubstr("every metric is stable (4 metrics over iterations 0–30)"));
}

TEST(AnalyzeCheckpoints, LargeRandomAllocationNoiseIsStable) {
  // The page allocates and frees 1–20 MB per iteration: after GC the heaps are flat; the
  // renderer keeps its high-water mark, which rises less and less (a record of a random max).
  const auto v = analyze_checkpoints(checkpoints(
      40, 5,
      {{metric::kRendererPrivate, [](int i) { return 40 * MiB + 1.5 * MiB * std::log1p(i / 5.0); }},
       {metric::kJsHeapUsed, [](int i) { return 700 * KiB + wiggle(i, 2 * KiB); }},
       {metric::kBackingStorage, [](int i) { return wiggle(i, 4 * KiB) + 4 * KiB; }},
       {metric::kNodes, [](int) { return 351.0; }}}));
  EXPECT_EQ(v.kind, VerdictKind::kStable) << v.reason;
}

TEST(AnalyzeCheckpoints, AnyInsufficientMetricBlocksStable) {
  const auto v = analyze_checkpoints(checkpoints(
      20, 5,
      {{metric::kRendererPrivate, [](int i) { return 40 * MiB + 256 * KiB * i + wiggle(i, 4 * MiB); }},
       {metric::kNodes, [](int) { return 351.0; }}}));
  EXPECT_EQ(v.kind, VerdictKind::kInsufficient);
  EXPECT_EQ(v.metrics, std::vector<std::string>{metric::kRendererPrivate});
}

TEST(AnalyzeCheckpoints, ARetainingVerdictNamesWhatGrewAndInWhichTarget) {
  const auto v = analyze_checkpoints(checkpoints(
      60, 5,
      {{metric::kJsHeapUsed, [](int i) { return 1.7 * MiB + 102 * KiB * i; }},
       {target_metric("page", metric::kJsHeapUsed), [](int) { return 0.7 * MiB; }},
       {target_metric("worker:127.0.0.1/keeper.js", metric::kJsHeapUsed),
        [](int i) { return 1 * MiB + 102 * KiB * i; }},
       {metric::kNodes, [](int) { return 29.0; }}}));
  EXPECT_EQ(v.kind, VerdictKind::kRetains) << v.reason;
  EXPECT_EQ(v.subjects, std::vector<std::string>{"the page's JavaScript heaps"});
  ASSERT_EQ(v.targets.size(), 1u);
  EXPECT_THAT(v.targets[0], HasSubstr("worker:127.0.0.1/keeper.js (page.js_heap_used_bytes +102"));
  EXPECT_THAT(v.reason, HasSubstr("grew in worker:127.0.0.1/keeper.js"));
}

TEST(AnalyzeCheckpoints, NoMetricsIsInsufficient) {
  EXPECT_EQ(analyze_checkpoints({}).kind, VerdictKind::kInsufficient);
}

TEST(VerdictName, RoundTrips) {
  for (auto k : {VerdictKind::kRetains, VerdictKind::kPlateau, VerdictKind::kStable,
                 VerdictKind::kInsufficient}) {
    EXPECT_EQ(verdict_from_name(verdict_name(k)), k);
  }
  EXPECT_FALSE(verdict_from_name("leaky"));
}

}  // namespace
}  // namespace harness
