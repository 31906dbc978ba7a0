// Line fits over (iteration, value) points. Pure functions, no I/O.
//
// ols(x, y): ordinary least squares y = a + b·x.
//   b = Σ(x−x̄)(y−ȳ) / Σ(x−x̄)²,  a = ȳ − b·x̄
//   residual sd s = sqrt(Σ(y − a − b·x)² / (n − 2));  se(b) = s / sqrt(Σ(x−x̄)²)
//   95 % interval of b: b ± t(0.975, n − 2)·se(b)  (Student's t, Boost.Math).
//   Degenerate input: n < 2 or all x equal -> valid = false; n = 2 -> the line through both
//   points with se = +inf (no spread can be estimated, so the interval is unbounded).
//
// theil_sen(x, y): the median of the slopes of all point pairs with distinct x. Robust to
//   outliers (breakdown ~29 %); 0 for fewer than two distinct x. Above kTheilSenExactPoints
//   points only the pairs half a curve apart are used (O(n) instead of O(n²) pairs).
#pragma once

#include <cstddef>
#include <span>

namespace harness {

struct LinearFit {
  bool valid = false;
  std::size_t n = 0;
  double intercept = 0;
  double slope = 0;
  double slope_se = 0;     // standard error of the slope; +inf when n == 2
  double residual_sd = 0;  // 0 for an exact line
  double ci95_low = 0;
  double ci95_high = 0;
  double x_first = 0, x_last = 0;
};

inline constexpr std::size_t kTheilSenExactPoints = 400;

LinearFit ols(std::span<const double> x, std::span<const double> y);
double theil_sen(std::span<const double> x, std::span<const double> y);

// Two-sided 95 % quantile of Student's t with `df` degrees of freedom:
// quantile(complement(students_t(df), 0.025)) from Boost.Math, exact for every df (12.706 at 1,
// 2.0395 at 31, 1.9798 at 121, towards 1.95996 for large df); +inf for df = 0.
double t_quantile_975(std::size_t df);

// The q-quantile (0 <= q <= 1) by linear interpolation between the sorted values (the position
// q·(n − 1)); 0 for no values. median is quantile(values, 0.5): the middle value, or the mean of
// the two middle ones.
double quantile(std::span<const double> values, double q);
double median(std::span<const double> values);

}  // namespace harness
