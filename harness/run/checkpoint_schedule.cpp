#include "harness/run/checkpoint_schedule.hpp"

#include "harness/analyze/verdict.hpp"

namespace harness {

namespace {
constexpr int kEarly = static_cast<int>(kMinPoints) - 1;  // checkpoints after the baseline
}  // namespace

std::vector<int> CheckpointSchedule::early() const {
  std::vector<int> out;
  if (!adaptive || every * kEarly <= kMinStructuralSpan) return out;
  for (int k = 1; k <= kEarly; ++k) out.push_back((k * kMinStructuralSpan + kEarly / 2) / kEarly);
  return out;
}

bool CheckpointSchedule::due(int i) const {
  if (i == iterations) return true;
  if (adaptive && dense) return true;
  const std::vector<int> first = early();
  if (first.empty() || i > first.back()) return every > 0 && i % every == 0;
  for (int at : first) {
    if (i == at) return true;
  }
  return false;
}

}  // namespace harness
