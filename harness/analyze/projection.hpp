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
// No projection (nullopt) with fewer than 3 points, a slope <= 0, or no time between the first
// and last checkpoints.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/model/run_model.hpp"

namespace harness {

struct Projection {
  std::string metric;
  double ceiling_bytes = 0;
  double iteration = 0;
  std::optional<double> iteration_earliest;
  std::optional<double> iteration_latest;
  double seconds = 0;
  std::optional<double> seconds_earliest;
  std::optional<double> seconds_latest;
  double seconds_per_iteration = 0;
};

std::optional<Projection> project_ceiling(const std::vector<CheckpointRecord>& checkpoints,
                                          const std::string& metric, double ceiling_bytes);

}  // namespace harness
