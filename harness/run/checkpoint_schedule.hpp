// When checkpoints are taken: every `every` measured iterations and after the last. With
// `iterations: auto` the first ones come sooner: a structural leak (documents, nodes, listeners)
// is called once the curve spans kMinStructuralSpan iterations with kMinPoints checkpoints
// (analyze/verdict.hpp), which `every: 5` reaches only at iteration 15 (0, 5, 10, 15); three
// checkpoints spread evenly over the first 10 iterations (3, 7, 10 instead of 5, 10) reach it at
// iteration 10. The cost: one checkpoint more in runs that go on past iteration 10. The verdicts
// of every fixture are unchanged (bench/verdict_times.py; the note of issue 12 has the table).
//
// Noisy curves (`iterations: auto`): while the verdict is insufficient because some metric is
// noisy and judged by its floor (analyze/verdict.hpp, too_noisy), a checkpoint follows every
// iteration: the floor needs 100 checkpoints. Replayed on real runs of pages/fixtures/noisy.html and
// noisyleak.html (0-25 MB kept at random per iteration, + 12 KiB/iteration; bench/
// verdict_rates.sh, 200 iterations): with a checkpoint every iteration (10 runs each) the clean
// page was `stable` 7 times and the leak found 10 times; every 2 iterations (6 runs each),
// `stable` once and the leak found twice, the rest `insufficient`.
#pragma once

#include <vector>

namespace harness {

struct CheckpointSchedule {
  int every = 5;
  int iterations = 0;  // the last measured iteration (auto: the maximum)
  bool adaptive = false;
  bool dense = false;  // adaptive and too noisy so far: a checkpoint after every iteration

  // Whether a checkpoint follows measured iteration i (the baseline checkpoint at 0 is always).
  bool due(int i) const;
  // The early checkpoints of an adaptive run, or none.
  std::vector<int> early() const;
};

}  // namespace harness
