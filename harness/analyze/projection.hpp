// When the ceiling metric would reach the ceiling, at the fitted pace. Pure.
//
// Fit: OLS over the checkpoints from iteration 0 (y = a + b·x). From the last checkpoint x_L,
// whose fitted level is ŷ_L = a + b·x_L:
//   iteration   = x_L + (C − ŷ_L) / b            (C the ceiling; when ŷ_L >= C already, the
//                                                 line's own crossing (C − a) / b)
//   interval    = same with the slope's 95 % bounds: the upper bound gives the earliest
//                 iteration; the lower bound the latest, absent when it is <= 0
//   seconds     = t_L + (iteration − x_L) · pace, since the run started, where
//                 pace = (t_L − t_0) / (x_L − x_0) seconds per iteration, checkpoints included
//                 (reported as seconds_per_iteration); but when the time of the checkpoints
//                 curves upward — iterations get slower as the heap grows, e.g. a forced GC per
//                 transaction costs time in proportion to the heap — from 5 checkpoints on:
//                 seconds = t_L + q(iteration) − q(x_L), q the least-squares quadratic of time
//                 over iteration, used when its x² term is > 0 and it rises at x_L. Measured on
//                 vtm-ceiling (1300 MiB, killed at 104 after 278 s): from the first 25 % the
//                 constant pace said 128 s, the quadratic 295 s.
// No projection (nullopt) with fewer than 3 points, a slope <= 0, or no time between the first
// and last checkpoints.
//
// With headroom (project_ceiling_with_headroom): a ceiling on live memory is crossed by the
// retained memory (the after-GC trend) plus the transient garbage of the moment. Fitting the
// interval peaks alone gives a noisy line: GC timing decides each peak, and the first ones carry
// the page load, which flattens the slope (a 600 MiB kill run projected 47 and ended at 41). So
// the line is fitted on the trend metric, and the crossing is where trend + headroom reaches C:
//   headroom = median over the checkpoints having both metrics of (peak − trend), floored at 0
//   iteration, seconds = as above with the ceiling C − headroom
//   interval  = the slope's bounds as above, each with the headroom's quartiles: the earliest
//               with C − (upper quartile), the latest with C − (lower quartile); the slope of an
//               after-GC line is so certain (±0.5 % here) that without them the interval would
//               hold only the slope's uncertainty, not the peaks' scatter
// `metric` names the peak metric (what reaches the ceiling), `trend_metric` the fitted one.
// With fewer than 3 checkpoints holding both, the peak metric alone is fitted (headroom 0).
//
// Either way the projection carries the line it extrapolated: fit_intercept a and
// fit_slope_per_iteration b, fitted over fit_first_iteration..fit_last_iteration (x_L), so that
// a + b·iteration + headroom_bytes = C at `iteration`; a report draws that line, not a fit of
// its own.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/model/analysis.hpp"
#include "harness/model/run_model.hpp"

namespace harness {

std::optional<Projection> project_ceiling(const std::vector<CheckpointRecord>& checkpoints,
                                          const std::string& metric, double ceiling_bytes);

std::optional<Projection> project_ceiling_with_headroom(
    const std::vector<CheckpointRecord>& checkpoints, const std::string& trend_metric,
    const std::string& peak_metric, double ceiling_bytes);

}  // namespace harness
