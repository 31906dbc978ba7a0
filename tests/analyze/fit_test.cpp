#include "harness/analyze/fit.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace harness {
namespace {

TEST(Ols, HandComputedExample) {
  // x̄ = 1.5, ȳ = 2.5, Sxx = 5, Sxy = 4 -> b = 0.8, a = 1.3; SSE = 1.8, s = sqrt(0.9),
  // se = s / sqrt(5) = 0.42426; t(0.975, 2) = 4.302653 -> half width 1.825461.
  const std::vector<double> x{0, 1, 2, 3}, y{1, 3, 2, 4};
  const LinearFit f = ols(x, y);
  ASSERT_TRUE(f.valid);
  EXPECT_NEAR(f.slope, 0.8, 1e-12);
  EXPECT_NEAR(f.intercept, 1.3, 1e-12);
  EXPECT_NEAR(f.residual_sd, std::sqrt(0.9), 1e-12);
  EXPECT_NEAR(f.slope_se, 0.424264, 1e-6);
  EXPECT_NEAR(f.ci95_low, 0.8 - 1.825461, 1e-6);
  EXPECT_NEAR(f.ci95_high, 0.8 + 1.825461, 1e-6);
}

TEST(Ols, ExactLineHasAZeroWidthInterval) {
  std::vector<double> x, y;
  for (int i = 0; i <= 40; i += 5) {
    x.push_back(i);
    y.push_back(1000 + 10.0 * i);
  }
  const LinearFit f = ols(x, y);
  EXPECT_DOUBLE_EQ(f.slope, 10);
  EXPECT_DOUBLE_EQ(f.ci95_low, 10);
  EXPECT_DOUBLE_EQ(f.ci95_high, 10);
  EXPECT_EQ(f.x_first, 0);
  EXPECT_EQ(f.x_last, 40);
}

TEST(Ols, DegenerateInput) {
  EXPECT_FALSE(ols(std::vector<double>{}, std::vector<double>{}).valid);
  EXPECT_FALSE(ols(std::vector<double>{1}, std::vector<double>{5}).valid);
  EXPECT_FALSE(ols(std::vector<double>{2, 2, 2}, std::vector<double>{1, 2, 3}).valid);
  const LinearFit two = ols(std::vector<double>{0, 10}, std::vector<double>{0, 5});
  EXPECT_TRUE(two.valid);
  EXPECT_DOUBLE_EQ(two.slope, 0.5);
  EXPECT_TRUE(std::isinf(two.ci95_high));
}

TEST(TheilSen, IgnoresAnOutlier) {
  // Pairwise slopes: six of 1, then 25, 33, 49, 97 -> median 1.
  EXPECT_DOUBLE_EQ(theil_sen(std::vector<double>{0, 1, 2, 3, 4}, std::vector<double>{0, 1, 2, 3, 100}),
                   1);
  EXPECT_DOUBLE_EQ(theil_sen(std::vector<double>{1}, std::vector<double>{1}), 0);
}

TEST(TheilSen, LongCurvesUseHalfCurvePairs) {
  std::vector<double> x, y;
  for (int i = 0; i < 1000; ++i) {
    x.push_back(i);
    y.push_back(3.0 * i + (i % 7 == 0 ? 1000 : 0));  // a line with spikes
  }
  EXPECT_NEAR(theil_sen(x, y), 3.0, 1e-9);
}

// Student's t, 97.5 % quantile (R: qt(0.975, df)).
TEST(TQuantile, ExactForEveryDf) {
  EXPECT_NEAR(t_quantile_975(1), 12.706205, 1e-6);
  EXPECT_NEAR(t_quantile_975(2), 4.302653, 1e-6);
  EXPECT_NEAR(t_quantile_975(10), 2.228139, 1e-6);
  EXPECT_NEAR(t_quantile_975(30), 2.042272, 1e-6);
  // Between the steps of a printed table: df 31 is 2.0395 (a table's df-40 row says 2.021),
  // df 121 is 1.9798 (its infinity row says 1.960); those narrowed every interval.
  EXPECT_NEAR(t_quantile_975(31), 2.039513, 1e-6);
  EXPECT_NEAR(t_quantile_975(121), 1.979764, 1e-6);
  EXPECT_NEAR(t_quantile_975(1000), 1.962339, 1e-6);
  EXPECT_NEAR(t_quantile_975(1000000), 1.959966, 1e-6);  // towards the normal's 1.959964
  EXPECT_TRUE(std::isinf(t_quantile_975(0)));
  // Falls with every df (a second call gives the same value).
  for (std::size_t df = 1; df < 300; ++df) {
    EXPECT_GT(t_quantile_975(df), t_quantile_975(df + 1)) << df;
  }
  EXPECT_EQ(t_quantile_975(31), t_quantile_975(31));
}

TEST(Median, EvenAndOdd) {
  EXPECT_DOUBLE_EQ(median(std::vector<double>{3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median(std::vector<double>{4, 1, 2, 3}), 2.5);
  EXPECT_DOUBLE_EQ(median(std::vector<double>{}), 0);
}

TEST(Quantile, InterpolatesBetweenTheSortedValues) {
  const std::vector<double> v{40, 10, 30, 20, 50};
  EXPECT_DOUBLE_EQ(quantile(v, 0), 10);
  EXPECT_DOUBLE_EQ(quantile(v, 0.25), 20);
  EXPECT_DOUBLE_EQ(quantile(v, 0.6), 34);  // position 2.4: 30 + 0.4 × 10
  EXPECT_DOUBLE_EQ(quantile(v, 1), 50);
  EXPECT_DOUBLE_EQ(quantile(std::vector<double>{7}, 0.75), 7);
}

}  // namespace
}  // namespace harness
