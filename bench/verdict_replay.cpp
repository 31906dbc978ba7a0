// Replays recorded runs through the verdict rules the way `--iterations auto` asks them: after
// every checkpoint, on the checkpoints so far; the first verdict that is not `insufficient` is
// where an adaptive run would have stopped. Used for the false-positive / false-negative rates
// of the rules on repeated real runs (bench/verdict_rates.sh records them): a run recorded with
// a checkpoint every k iterations replays an adaptive run that checks every k.
//
//   verdict_replay [--max N] summary.json...
// prints, per run: its variant, the replayed decision, the iteration it came at, the deciding
// metrics and the fit ("ols" or "lower envelope"); then the count of each decision per variant.
// REPLAY_REASONS=1 also prints each run's verdict reason.
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "harness/analyze/verdict.hpp"

using nlohmann::json;

int main(int argc, char** argv) {
  int max_iteration = 1'000'000;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--max" && i + 1 < argc) {
      max_iteration = std::stoi(argv[++i]);
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) {
    std::cerr << "usage: verdict_replay [--max N] summary.json...\n";
    return 2;
  }
  std::map<std::string, std::map<std::string, int>> counts;
  for (const auto& file : files) {
    std::ifstream in(file);
    json s;
    try {
      s = json::parse(in);
    } catch (const std::exception& e) {
      std::cerr << file << ": " << e.what() << "\n";
      return 2;
    }
    std::map<int, harness::CheckpointRecord> by_iteration;
    for (const auto& [name, points] : s["metrics"].items()) {
      for (const auto& p : points) {
        auto& record = by_iteration[p[0].get<int>()];
        record.iteration = p[0].get<int>();
        record.gc = true;
        record.metrics[name] = p[1].get<double>();
      }
    }
    std::vector<harness::CheckpointRecord> so_far;
    harness::Verdict verdict;
    for (const auto& [iteration, record] : by_iteration) {
      if (iteration > max_iteration) break;
      so_far.push_back(record);
      verdict = harness::analyze_checkpoints(so_far);
      if (verdict.kind != harness::VerdictKind::kInsufficient) break;
    }
    std::string variant;
    for (const auto& [k, v] : s["variant"].items()) variant += k + "=" + v.get<std::string>() + " ";
    std::string fits;
    for (const auto& m : verdict.per_metric) {
      for (const auto& d : verdict.metrics) {
        if (d == m.metric && (m.kind == verdict.kind)) fits += m.metric + "(" + m.fit + ") ";
      }
    }
    const std::string kind = harness::verdict_name(verdict.kind);
    fmt::print("{:<24} {:<12} at {:>4}  {}\n", variant, kind,
               so_far.empty() ? 0 : so_far.back().iteration,
               verdict.kind == harness::VerdictKind::kStable ? std::string("every metric") : fits);
    if (std::getenv("REPLAY_REASONS")) fmt::print("    {}\n", verdict.reason);
    counts[variant][kind] += 1;
  }
  fmt::print("\n");
  for (const auto& [variant, kinds] : counts) {
    std::string line;
    for (const auto& [kind, n] : kinds) line += fmt::format("{} {}  ", kind, n);
    fmt::print("{:<24} {}\n", variant, line);
  }
  return 0;
}
