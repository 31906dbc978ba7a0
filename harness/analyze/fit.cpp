#include "harness/analyze/fit.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <vector>

namespace harness {

double t_quantile_975(std::size_t df) {
  if (df == 0) return std::numeric_limits<double>::infinity();
  auto compute = [df] {
    namespace bm = boost::math;
    return bm::quantile(bm::complement(bm::students_t(static_cast<double>(df)), 0.025));
  };
  // Boost takes ~5 µs per value and the plateau search (verdict.cpp) asks for every df up to a
  // curve's length, on every checkpoint of an adaptive run: each df below kMemoizedDf is
  // computed once per process (0 = not yet; threads that race store the same value).
  constexpr std::size_t kMemoizedDf = 1 << 16;
  static std::array<std::atomic<double>, kMemoizedDf> memo{};
  if (df >= kMemoizedDf) return compute();
  double t = memo[df].load(std::memory_order_relaxed);
  if (t == 0) {
    t = compute();
    memo[df].store(t, std::memory_order_relaxed);
  }
  return t;
}

double quantile(std::span<const double> values, double q) {
  if (values.empty()) return 0;
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  const double at = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(at);
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (at - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

double median(std::span<const double> values) { return quantile(values, 0.5); }

LinearFit ols(std::span<const double> x, std::span<const double> y) {
  LinearFit fit;
  const std::size_t n = std::min(x.size(), y.size());
  fit.n = n;
  if (n < 2) return fit;
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  if (sxx <= 0) return fit;
  fit.valid = true;
  fit.slope = sxy / sxx;
  fit.intercept = my - fit.slope * mx;
  fit.x_first = *std::min_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n));
  fit.x_last = *std::max_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n));
  if (n == 2) {
    fit.slope_se = std::numeric_limits<double>::infinity();
    fit.ci95_low = -std::numeric_limits<double>::infinity();
    fit.ci95_high = std::numeric_limits<double>::infinity();
    return fit;
  }
  double sse = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = y[i] - fit.intercept - fit.slope * x[i];
    sse += r * r;
  }
  fit.residual_sd = std::sqrt(sse / static_cast<double>(n - 2));
  fit.slope_se = fit.residual_sd / std::sqrt(sxx);
  const double half = t_quantile_975(n - 2) * fit.slope_se;
  fit.ci95_low = fit.slope - half;
  fit.ci95_high = fit.slope + half;
  return fit;
}

double theil_sen(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = std::min(x.size(), y.size());
  std::vector<double> slopes;
  if (n <= kTheilSenExactPoints) {
    slopes.reserve(n * (n > 0 ? n - 1 : 0) / 2);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) {
        if (x[j] != x[i]) slopes.push_back((y[j] - y[i]) / (x[j] - x[i]));
      }
    }
  } else {
    // Long curves: the slopes of the pairs half a curve apart, (i, i + n/2): n/2 pairs instead
    // of n²/2, still a median of pairwise slopes (and so as robust to outliers).
    const std::size_t half = n / 2;
    slopes.reserve(half);
    for (std::size_t i = 0; i + half < n; ++i) {
      if (x[i + half] != x[i]) slopes.push_back((y[i + half] - y[i]) / (x[i + half] - x[i]));
    }
  }
  return median(slopes);
}

}  // namespace harness
