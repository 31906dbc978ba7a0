// What a run's checkpoint curves mean: retains, plateau, stable, or insufficient. Pure: no I/O,
// no logging; every verdict carries its reason in words and numbers.
//
// Per metric (points = the checkpoints from iteration 0, after warm-up, in iteration order):
//   fewer than kMinPoints points                          -> insufficient
//   plateau test first: split the points into a head and a tail (tail >= 4 points spanning at
//     least max(kMinPlateauTail, head span / 2) iterations); plateau when some split has the head
//     growing (OLS 95 % CI low > threshold and Theil–Sen > threshold, total growth > noise floor)
//     and the tail flat (OLS 95 % CI high < threshold). Among such splits the one with the least
//     squared error wins; its first tail point is where growth stopped.
//   growth: OLS 95 % CI low > threshold and Theil–Sen > threshold (so one outlier cannot make a
//     leak). It becomes `retains` only when
//       - the points span at least kMinLeakSpan iterations for byte metrics (a bounded cache grows
//         exactly like a leak until it is full; the fixtures' cache fills in ~30 iterations) or
//         kMinStructuralSpan for counts of documents, nodes and listeners (caches rarely keep
//         whole documents), and
//       - the last kRecentSpan iterations (at least 3 points) still grow at least half as fast
//         as the whole curve and by more than half the threshold (growth that is stopping may be
//         a cache filling up; a leak every N-th iteration, N <= kRecentSpan, always shows a step
//         there);
//     otherwise insufficient, saying which condition is missing.
//   OLS 95 % CI high < threshold, over at least kMinStableSpan iterations -> stable; also stable
//     when every point lies within the noise floor of the first over that span.
//   a noisy byte curve -- points scattering around their local shape beyond the metric's noise
//     floor and falling back at least every fifth step (a page that keeps buffers of random size
//     until the next transaction) -- is judged by its lower envelope alone, and any other curve
//     whose interval straddles the threshold may be decided by it too: the minimum of every
//     kEnvelopeWindow consecutive points (a leak raises the floor, noise does not), at least
//     kMinEnvelopeMinima of them, Sen's slope with its distribution-free 99 % interval.
//     Envelope CI low > threshold and the OLS slope of all points > threshold over kMinLeakSpan
//     iterations, the second half's minima still rising at least half the threshold -> retains;
//     envelope CI high < threshold and the OLS slope < threshold -> stable, stating the bound
//     ("at most X/iteration at 99 %").
//   anything else -> insufficient: too noisy to say, with the number of iterations after which
//     the OLS interval (narrowing like span^-1.5) would clear the threshold.
// Degenerate input: an exact line has a zero-width interval; two points have an unbounded one.
//
// A run: retains if any metric retains (naming every such metric); else insufficient if any
// metric is; else plateau if any metric plateaus; else stable. Metrics absent from the run (IE
// has no page counters) are skipped; a run with none of them is insufficient.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/model/analysis.hpp"
#include "harness/model/run_model.hpp"

namespace harness {

// Thresholds are per metric, in the metric's unit per iteration; each says why in default_rules.
struct MetricRule {
  std::string metric;
  std::string unit;                // "bytes" or a count ("nodes", "documents", "listeners")
  double threshold_per_iteration;  // growth above this is retention
  double noise_floor;              // a total change below this is noise
  bool structural;                 // documents, nodes, listeners: see kMinStructuralSpan
  std::string subject;             // what the metric measures, in words: "the browser process"
};

const std::vector<MetricRule>& default_metric_rules();

inline constexpr std::size_t kMinPoints = 4;
inline constexpr int kMinLeakSpan = 40;        // iterations; the fixtures' cache fills in ~30
inline constexpr int kMinStructuralSpan = 10;  // iterations
inline constexpr int kMinStableSpan = 20;      // iterations
inline constexpr int kMinPlateauTail = 15;     // iterations of flat tail after growth
inline constexpr int kRecentSpan = 10;         // iterations that must still grow for `retains`
inline constexpr std::size_t kEnvelopeWindow = 5;     // checkpoints per minimum of the envelope
inline constexpr std::size_t kMinEnvelopeMinima = 20;  // minima before the floor is fitted

MetricVerdict analyze_metric(const Curve& curve, const MetricRule& rule);
Verdict analyze_checkpoints(const std::vector<CheckpointRecord>& checkpoints,
                            const std::vector<MetricRule>& rules = default_metric_rules());

// Whether the verdict is insufficient because some metric is noisy: judged by its floor, which
// needs kMinEnvelopeMinima · kEnvelopeWindow checkpoints (an adaptive run then takes one after
// every iteration).
bool too_noisy(const Verdict& verdict);

// "1.5 MiB", "312 nodes", "0.50 documents": a value in a rule's unit.
std::string format_amount(double value, const std::string& unit);

}  // namespace harness
