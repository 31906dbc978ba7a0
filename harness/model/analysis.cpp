#include "harness/model/analysis.hpp"

namespace harness {

const char* verdict_name(VerdictKind kind) {
  switch (kind) {
    case VerdictKind::kRetains: return "retains";
    case VerdictKind::kPlateau: return "plateau";
    case VerdictKind::kStable: return "stable";
    case VerdictKind::kInsufficient: return "insufficient";
  }
  return "insufficient";
}

std::optional<VerdictKind> verdict_from_name(const std::string& name) {
  for (auto k : {VerdictKind::kRetains, VerdictKind::kPlateau, VerdictKind::kStable,
                 VerdictKind::kInsufficient}) {
    if (name == verdict_name(k)) return k;
  }
  return std::nullopt;
}

}  // namespace harness
