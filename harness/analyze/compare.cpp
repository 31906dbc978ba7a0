#include "harness/analyze/compare.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "harness/analyze/verdict.hpp"
#include "harness/model/variant.hpp"

namespace harness {

const char* change_name(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kRegression: return "regression";
    case ChangeKind::kImprovement: return "improvement";
    case ChangeKind::kUnchanged: return "unchanged";
    case ChangeKind::kInsufficient: return "insufficient";
  }
  return "insufficient";
}

std::string run_key(const RunInfo& info) {
  std::string key = info.scenario + " " + info.browser;
  const std::string variant = variant_label(info.variant);
  if (!variant.empty()) key += " " + variant;
  return key;
}

std::string PairComparison::label() const {
  RunInfo info;
  info.scenario = scenario;
  info.browser = browser;
  info.variant = variant;
  return run_key(info);
}

bool Comparison::has_regression() const {
  for (const auto& p : pairs) {
    if (p.kind == ChangeKind::kRegression) return true;
  }
  return false;
}

namespace {

std::map<std::string, const RunSummary*> latest_by_key(const std::vector<RunSummary>& runs) {
  std::map<std::string, const RunSummary*> out;
  for (const auto& r : runs) {
    auto& slot = out[run_key(r.info)];
    if (!slot || r.info.started_at > slot->info.started_at) slot = &r;
  }
  return out;
}

const MetricRule* rule_for(const std::string& metric) {
  for (const auto& r : default_metric_rules()) {
    if (r.metric == metric) return &r;
  }
  return nullptr;
}

bool usable(const RunSummary& s) {
  return s.info.status == RunStatus::kCompleted && s.verdict &&
         s.verdict->kind != VerdictKind::kInsufficient;
}

}  // namespace

PairComparison compare_pair(const RunSummary& b, const RunSummary& c) {
  PairComparison p;
  p.scenario = c.info.scenario;
  p.browser = c.info.browser;
  p.variant = c.info.variant;
  p.baseline_run = b.info.id;
  p.candidate_run = c.info.id;
  p.baseline_verdict = b.verdict ? verdict_name(b.verdict->kind) : "-";
  p.candidate_verdict = c.verdict ? verdict_name(c.verdict->kind) : "-";
  if (b.verdict && c.verdict && b.verdict->slope_bytes_per_iteration &&
      c.verdict->slope_bytes_per_iteration) {
    p.slope_delta_bytes =
        *c.verdict->slope_bytes_per_iteration - *b.verdict->slope_bytes_per_iteration;
  }
  if (b.peak && c.peak) p.peak_delta_bytes = c.peak->bytes - b.peak->bytes;

  for (const auto* side : {&b, &c}) {
    if (!usable(*side)) {
      p.kind = ChangeKind::kInsufficient;
      const char* which = side == &b ? "baseline" : "candidate";
      if (side->info.status != RunStatus::kCompleted) {
        p.reason = fmt::format("the {} run did not complete ({}: {})", which,
                               status_name(side->info.status), side->info.reason);
      } else if (!side->verdict) {
        p.reason = fmt::format("the {} run has no verdict", which);
      } else {
        p.reason = fmt::format("the {} verdict is insufficient: {}", which, side->verdict->reason);
      }
      return p;
    }
  }
  const VerdictKind bk = b.verdict->kind;
  const VerdictKind ck = c.verdict->kind;
  if (ck == VerdictKind::kRetains && bk != VerdictKind::kRetains) {
    p.kind = ChangeKind::kRegression;
    p.reason = fmt::format("the candidate retains memory (the baseline was {}): {}",
                           verdict_name(bk), c.verdict->reason);
    return p;
  }
  if (bk == VerdictKind::kRetains && ck != VerdictKind::kRetains) {
    p.kind = ChangeKind::kImprovement;
    p.reason = fmt::format("the candidate is {} (the baseline retained memory: {})",
                           verdict_name(ck), b.verdict->reason);
  }

  std::vector<std::string> worse, better;
  for (const auto& cm : c.verdict->per_metric) {
    for (const auto& bm : b.verdict->per_metric) {
      if (bm.metric != cm.metric) continue;
      const MetricRule* rule = rule_for(cm.metric);
      if (!rule) continue;
      MetricChange change;
      change.metric = cm.metric;
      change.unit = cm.unit;
      change.baseline_slope = bm.slope;
      change.candidate_slope = cm.slope;
      change.delta = cm.slope - bm.slope;
      const double se = std::sqrt(bm.slope_se * bm.slope_se + cm.slope_se * cm.slope_se);
      if (std::isfinite(se) && se > 0) {
        change.z = change.delta / se;
      } else if (se == 0 && change.delta != 0) {
        change.z = change.delta > 0 ? INFINITY : -INFINITY;  // exact lines that differ
      }
      change.significant = std::fabs(change.z) > 1.96 &&
                           std::fabs(change.delta) > rule->threshold_per_iteration;
      if (change.significant) {
        (change.delta > 0 ? worse : better)
            .push_back(fmt::format("{} {} -> {}/iteration (z = {:.1f})", cm.metric,
                                   format_amount(bm.slope, cm.unit),
                                   format_amount(cm.slope, cm.unit), change.z));
      }
      p.metrics.push_back(change);
    }
  }
  if (p.kind == ChangeKind::kImprovement) return p;
  auto join = [](const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : "; ") + i;
    return out;
  };
  if (!worse.empty()) {
    p.kind = ChangeKind::kRegression;
    p.reason = "grows faster: " + join(worse);
  } else if (!better.empty()) {
    p.kind = ChangeKind::kImprovement;
    p.reason = "grows slower: " + join(better);
  } else {
    p.kind = ChangeKind::kUnchanged;
    p.reason = fmt::format("both {}, no metric's slope changed significantly beyond its threshold",
                           verdict_name(ck));
  }
  return p;
}

Comparison compare_runs(const std::vector<RunSummary>& baseline,
                        const std::vector<RunSummary>& candidate) {
  Comparison out;
  const auto b = latest_by_key(baseline);
  const auto c = latest_by_key(candidate);
  for (const auto& [key, run] : c) {
    auto it = b.find(key);
    if (it == b.end()) {
      out.candidate_only.push_back(key);
      continue;
    }
    out.pairs.push_back(compare_pair(*it->second, *run));
  }
  for (const auto& [key, run] : b) {
    if (!c.count(key)) out.baseline_only.push_back(key);
  }
  return out;
}

}  // namespace harness
