// `harness bisect`: which of a scenario's components causes a regression. Pure search over a
// probe callback (the command runs the probes); tested with a fake probe.
//
// Delta debugging for the minimal failure-inducing set, with interference (Zeller &
// Hildebrandt's dd, "Yesterday, my program worked", 1999), given that the clean run (no
// component) is the baseline and all components together regress:
//   dd(C, R):  |C| = 1 -> C
//              split C into halves C1, C2 (C1 the larger)
//              R ∪ C1 regresses -> dd(C1, R)
//              R ∪ C2 regresses -> dd(C2, R)
//              else (neither half alone: they interact) -> dd(C1, R ∪ C2) ∪ dd(C2, R ∪ C1)
// A set is never probed twice (memoised). One culprit among N costs at most 2·⌈log2 N⌉ probes
// after the clean and all-on runs. For N = 3 the worst case is 4 (a pair that regresses only
// together, e.g. {B, C}: {A,B} no, {C} no, {A,C} no, {B,C} yes): six runs in all, the issue's
// bound ⌈2·log2 3⌉ + 2.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace harness {

// True when the run with exactly these components present regresses against the clean run.
using BisectProbe = std::function<bool(const std::vector<std::string>& present)>;

// The culprits among `components` (in their order), assuming probe(components) is true and
// probe({}) false (the caller has run both). Each distinct set is probed at most once.
std::vector<std::string> find_culprits(const std::vector<std::string>& components,
                                       const BisectProbe& probe);

}  // namespace harness
