#include "harness/store/summary_json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <map>
#include <regex>

#include "harness/error.hpp"

namespace harness {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

// Whole numbers stay integers in the JSON (bytes, counts); others keep their fraction.
ordered_json number(double value) {
  if (std::isfinite(value) && std::floor(value) == value && std::fabs(value) < 9e15) {
    return static_cast<std::int64_t>(value);
  }
  return value;
}

ordered_json points_json(const Curve& curve) {
  ordered_json points = ordered_json::array();
  for (const auto& p : curve.points) points.push_back(ordered_json::array({p.iteration, number(p.value)}));
  return points;
}

ordered_json optional_number(const std::optional<double>& value) {
  return value ? number(*value) : ordered_json(nullptr);
}

ordered_json verdict_json(const std::optional<Verdict>& verdict) {
  if (!verdict) return nullptr;
  const Verdict& v = *verdict;
  ordered_json per_metric = ordered_json::array();
  for (const auto& m : v.per_metric) {
    per_metric.push_back({{"metric", m.metric},
                          {"subject", m.subject},
                          {"fit", m.fit},
                          {"kind", verdict_name(m.kind)},
                          {"unit", m.unit},
                          {"points", m.points},
                          {"first", ordered_json::array({m.first_iteration, number(m.first_value)})},
                          {"last", ordered_json::array({m.last_iteration, number(m.last_value)})},
                          {"slope_per_iteration", m.slope},
                          {"slope_se", std::isfinite(m.slope_se) ? ordered_json(m.slope_se)
                                                                 : ordered_json(nullptr)},
                          {"ci95", std::isfinite(m.ci95_low) && std::isfinite(m.ci95_high)
                                       ? ordered_json::array({m.ci95_low, m.ci95_high})
                                       : ordered_json(nullptr)},
                          {"theil_sen_per_iteration", m.theil_sen},
                          {"threshold_per_iteration", m.threshold},
                          {"plateau_from", m.plateau_from ? ordered_json(*m.plateau_from)
                                                          : ordered_json(nullptr)},
                          {"reason", m.reason}});
  }
  return ordered_json{
      {"kind", verdict_name(v.kind)},
      {"reason", v.reason},
      {"metrics", v.metrics},
      {"subjects", v.subjects},
      {"targets", v.targets},
      {"slope_bytes_per_iteration", optional_number(v.slope_bytes_per_iteration)},
      {"ci95", v.ci95 ? ordered_json::array({v.ci95->first, v.ci95->second}) : ordered_json(nullptr)},
      {"per_metric", per_metric}};
}

// The projection's fitted line; null when it was not recorded (slope 0).
ordered_json fit_json(const Projection& p) {
  if (p.fit_slope_per_iteration == 0) return nullptr;
  return ordered_json{{"intercept", number(p.fit_intercept)},
                      {"slope_per_iteration", p.fit_slope_per_iteration},
                      {"iterations", ordered_json::array({number(p.fit_first_iteration),
                                                          number(p.fit_last_iteration)})}};
}

ordered_json projection_json(const std::optional<Projection>& projection) {
  if (!projection) return nullptr;
  const Projection& p = *projection;
  return ordered_json{{"metric", p.metric},
                      {"trend_metric", p.trend_metric.empty() ? ordered_json(nullptr)
                                                              : ordered_json(p.trend_metric)},
                      {"headroom_bytes", number(p.headroom_bytes)},
                      {"ceiling_bytes", number(p.ceiling_bytes)},
                      {"iteration", p.iteration},
                      {"iteration_ci95", ordered_json::array({optional_number(p.iteration_earliest),
                                                              optional_number(p.iteration_latest)})},
                      {"seconds", p.seconds},
                      {"seconds_ci95", ordered_json::array({optional_number(p.seconds_earliest),
                                                            optional_number(p.seconds_latest)})},
                      {"seconds_per_iteration", p.seconds_per_iteration},
                      {"fit", fit_json(p)}};
}

ordered_json points_of(const std::vector<CurvePoint>& points) {
  ordered_json out = ordered_json::array();
  for (const auto& p : points) out.push_back(ordered_json::array({p.iteration, number(p.value)}));
  return out;
}

ordered_json dumps_json(const std::vector<DumpRecord>& dumps) {
  ordered_json out = ordered_json::array();
  for (const auto& d : dumps) {
    out.push_back({{"t_ms", d.t_ms},
                   {"iteration", d.iteration},
                   {"kind", d.kind},
                   {"rule", d.rule},
                   {"metric", d.metric},
                   {"value_bytes", number(d.value_bytes)},
                   {"file", d.file},
                   {"size_bytes", d.size_bytes}});
  }
  return out;
}

// The inverse of projection_json.
Projection projection_from_json(const json& p) {
  Projection projection;
  projection.metric = p.value("metric", "");
  if (p.contains("trend_metric") && p["trend_metric"].is_string()) {
    projection.trend_metric = p["trend_metric"].get<std::string>();
  }
  projection.headroom_bytes = p.value("headroom_bytes", 0.0);
  projection.ceiling_bytes = p.value("ceiling_bytes", 0.0);
  projection.iteration = p.value("iteration", 0.0);
  projection.seconds = p.value("seconds", 0.0);
  projection.seconds_per_iteration = p.value("seconds_per_iteration", 0.0);
  auto pair = [&](const char* key, std::optional<double>& low, std::optional<double>& high) {
    if (p.contains(key) && p[key].is_array() && p[key].size() == 2) {
      if (p[key][0].is_number()) low = p[key][0].get<double>();
      if (p[key][1].is_number()) high = p[key][1].get<double>();
    }
  };
  pair("iteration_ci95", projection.iteration_earliest, projection.iteration_latest);
  pair("seconds_ci95", projection.seconds_earliest, projection.seconds_latest);
  if (p.contains("fit") && p["fit"].is_object()) {
    const json& fit = p["fit"];
    projection.fit_intercept = fit.value("intercept", 0.0);
    projection.fit_slope_per_iteration = fit.value("slope_per_iteration", 0.0);
    if (fit.contains("iterations") && fit["iterations"].is_array() &&
        fit["iterations"].size() == 2 && fit["iterations"][0].is_number() &&
        fit["iterations"][1].is_number()) {
      projection.fit_first_iteration = fit["iterations"][0].get<double>();
      projection.fit_last_iteration = fit["iterations"][1].get<double>();
    }
  }
  return projection;
}

}  // namespace

ordered_json summary_to_json(const RunSummary& s) {
  const RunInfo& r = s.info;
  ordered_json variant = ordered_json::object();
  for (const auto& [k, v] : r.variant) variant[k] = v;

  const Curve curve = curve_of(s.checkpoints, kDefaultCurveMetric);
  ordered_json metrics = ordered_json::object();
  for (const auto& name : checkpoint_metric_names()) {
    Curve c = curve_of(s.checkpoints, name);
    if (!c.points.empty()) metrics[name] = points_json(c);
  }
  // Each target's own page counters (model/run_model.hpp, target_metric): label -> metric ->
  // points; only for tabs with cross-site frames or workers.
  ordered_json targets = ordered_json::object();
  {
    std::map<std::string, std::pair<std::string, std::string>> names;  // -> {label, metric}
    for (const auto& c : s.checkpoints) {
      for (const auto& [name, value] : c.metrics) {
        if (auto parsed = parse_target_metric(name)) names.emplace(name, std::move(*parsed));
      }
    }
    for (const auto& [name, parsed] : names) {
      targets[parsed.first][parsed.second] = points_json(curve_of(s.checkpoints, name));
    }
  }
  ordered_json events = ordered_json::array();
  for (const auto& e : s.events) {
    events.push_back({{"t_ms", e.t_ms},
                      {"iteration", e.iteration},
                      {"kind", e.kind},
                      {"message", e.message},
                      {"details", ordered_json(e.details)}});
  }
  ordered_json files = ordered_json::object();
  for (const auto& [k, v] : s.files) files[k] = v;

  ordered_json out{
      {"schema", kSummarySchemaVersion},
      {"run_id", r.id},
      {"scenario", r.scenario},
      {"scenario_file", r.scenario_file},
      {"browser", r.browser},
      {"variant", variant},
      {"status", status_name(r.status)},
      {"reason", r.reason},
      {"iterations_planned", r.iterations_planned},
      {"iterations_completed", r.iterations_completed},
      {"warmup", r.warmup},
      {"started_at", r.started_at},
      {"ended_at", r.ended_at.empty() ? ordered_json(nullptr) : ordered_json(r.ended_at)},
      {"duration_s", r.duration_s},
      {"browser_version", r.browser_version},
      {"driver_version", r.driver_version},
      {"start_url", r.start_url},
      {"checkpoint", {{"every", r.checkpoint_every}, {"gc", r.checkpoint_gc},
                      {"settle_ms", r.settle_ms}}},
      {"sample_interval_ms", r.sample_interval_ms},
      {"input", r.input_mode},
      {"ceiling_bytes", r.ceiling_bytes ? ordered_json(*r.ceiling_bytes) : ordered_json(nullptr)},
      {"environment", ordered_json(r.environment)},
      {"curve", {{"metric", curve.metric},
                 {"unit", "bytes"},
                 {"after_gc", r.checkpoint_gc},
                 {"points", points_json(curve)}}},
      {"metrics", metrics},
      {"targets", targets},
      {"verdict", verdict_json(s.verdict)},
      {"projection", projection_json(s.projection)},
      {"peak", s.peak ? ordered_json{{"metric", s.peak->metric},
                                     {"bytes", number(s.peak->bytes)},
                                     {"t_ms", s.peak->t_ms},
                                     {"iteration", s.peak->iteration}}
                      : ordered_json(nullptr)},
      {"expect", ordered_json{
                     {"verdict", s.expect.verdict ? ordered_json(verdict_name(*s.expect.verdict))
                                                  : ordered_json(nullptr)},
                     {"max_slope_bytes", optional_number(s.expect.max_slope_bytes)},
                     {"max_peak_bytes", optional_number(s.expect.max_peak_bytes)}}},
      {"expectations", ordered_json{{"declared", s.expectations.declared},
                                    {"met", s.expectations.met},
                                    {"failures", s.expectations.failures}}},
      {"ceiling", s.ceiling ? ordered_json{
                                  {"bytes", number(s.ceiling->bytes)},
                                  {"metric", s.ceiling->metric},
                                  {"enforce", s.ceiling->enforce},
                                  {"reached", s.ceiling->reached_iteration
                                                  ? ordered_json{{"iteration", *s.ceiling->reached_iteration},
                                                                 {"t_ms", s.ceiling->reached_t_ms.value_or(0)},
                                                                 {"bytes", number(s.ceiling->reached_bytes.value_or(0))}}
                                                  : ordered_json(nullptr)},
                                  {"early_projection", projection_json(s.ceiling->early_projection)}}
                            : ordered_json(nullptr)},
      {"mitigation", ordered_json{{"reload_every", s.mitigation.reload_every},
                                  {"restart_every", s.mitigation.restart_every},
                                  {"reloads", s.mitigation.reloads},
                                  {"restarts", s.mitigation.restarts},
                                  {"stayed_below_ceiling",
                                   s.mitigation.stayed_below_ceiling
                                       ? ordered_json(*s.mitigation.stayed_below_ceiling)
                                       : ordered_json(nullptr)}}},
      {"dumps", dumps_json(s.dumps)},
      {"responsiveness", ordered_json{{"iteration_ms", points_of(s.iteration_ms)},
                                      {"heartbeat_max_ms", points_of(s.heartbeat_max_ms)}}},
      {"adaptive", s.adaptive.enabled
                       ? ordered_json{{"max_iterations", s.adaptive.max_iterations},
                                      {"iterations_used", s.adaptive.iterations_used},
                                      {"seconds_used", s.adaptive.seconds_used}}
                       : ordered_json(nullptr)},
      {"events", events},
      {"files", files},
  };
  if (s.attribution) out["attribution"] = attribution_to_json(*s.attribution);
  // Only for scenarios with components: other runs' summary.json is unchanged.
  if (!r.components.empty()) out["components"] = ordered_json(r.components);
  return out;
}

ordered_json attribution_to_json(const Attribution& a) {
  ordered_json snapshots = ordered_json::array();
  for (const auto& s : a.snapshots) {
    snapshots.push_back(ordered_json{{"iteration", s.iteration},
                                     {"file", s.file},
                                     {"size_bytes", s.size_bytes},
                                     {"nodes", s.nodes}});
  }
  ordered_json groups = ordered_json::array();
  for (const auto& g : a.groups) {
    ordered_json path = ordered_json::array();
    for (const auto& step : g.path) {
      path.push_back(ordered_json{{"node", step.node}, {"edge", step.edge}});
    }
    groups.push_back(ordered_json{{"name", g.name},
                                  {"kind", g.kind},
                                  {"count_per_iteration", number(g.count_per_iteration)},
                                  {"first_interval_per_iteration", number(g.first_per_iteration)},
                                  {"second_interval_per_iteration", number(g.second_per_iteration)},
                                  {"new_count", g.new_count},
                                  {"self_bytes_per_iteration", number(g.self_bytes_per_iteration)},
                                  {"growth_bytes_per_iteration",
                                   number(g.growth_bytes_per_iteration)},
                                  {"retained_bytes_per_iteration",
                                   number(g.retained_bytes_per_iteration)},
                                  {"contains", g.contains},
                                  {"holder", g.holder},
                                  {"path", path}});
  }
  ordered_json dom_counts = ordered_json::array();
  for (const auto& c : a.dom_counts) {
    ordered_json frames = ordered_json::array();
    for (const auto& f : c.frames) {
      frames.push_back(
          ordered_json{{"frame", f.frame}, {"url", f.url}, {"elements", number(f.elements)}});
    }
    dom_counts.push_back(ordered_json{{"iteration", c.iteration}, {"frames", frames}});
  }
  ordered_json grown = ordered_json::array();
  for (const auto& f : a.frames_grown) {
    grown.push_back(ordered_json{{"frame", f.frame},
                                 {"url", f.url},
                                 {"first", number(f.first)},
                                 {"last", number(f.last)},
                                 {"per_iteration", number(f.per_iteration)}});
  }
  return ordered_json{{"method", a.method},
                      {"error", a.error.empty() ? ordered_json(nullptr) : ordered_json(a.error)},
                      {"noise_floor", a.noise_floor},
                      {"snapshots", snapshots},
                      {"groups", groups},
                      {"analysis_seconds", number(a.analysis_seconds)},
                      {"dom_counts", dom_counts},
                      {"frames_grown", grown}};
}

Attribution attribution_from_json(const json& j) {
  Attribution a;
  a.method = j.value("method", "");
  if (j.contains("error") && j["error"].is_string()) a.error = j["error"].get<std::string>();
  a.noise_floor = j.value("noise_floor", "");
  a.analysis_seconds = j.value("analysis_seconds", 0.0);
  const json snapshots = j.value("snapshots", json::array());
  for (const auto& s : snapshots) {
    a.snapshots.push_back({s.value("iteration", 0), s.value("file", ""),
                           s.value("size_bytes", std::uint64_t{0}),
                           s.value("nodes", std::uint64_t{0})});
  }
  const json groups = j.value("groups", json::array());
  for (const auto& g : groups) {
    GrowthGroup out;
    out.name = g.value("name", "");
    out.kind = g.value("kind", "");
    out.count_per_iteration = g.value("count_per_iteration", 0.0);
    out.first_per_iteration = g.value("first_interval_per_iteration", 0.0);
    out.second_per_iteration = g.value("second_interval_per_iteration", 0.0);
    out.new_count = g.value("new_count", std::uint64_t{0});
    out.self_bytes_per_iteration = g.value("self_bytes_per_iteration", 0.0);
    out.growth_bytes_per_iteration = g.value("growth_bytes_per_iteration", 0.0);
    out.retained_bytes_per_iteration = g.value("retained_bytes_per_iteration", 0.0);
    out.contains = g.value("contains", std::vector<std::string>{});
    out.holder = g.value("holder", "");
    const json path = g.value("path", json::array());
    for (const auto& step : path) out.path.push_back({step.value("node", ""), step.value("edge", "")});
    a.groups.push_back(std::move(out));
  }
  const json dom_counts = j.value("dom_counts", json::array());
  for (const auto& c : dom_counts) {
    FrameDomCheckpoint checkpoint;
    checkpoint.iteration = c.value("iteration", 0);
    const json frames = c.value("frames", json::array());
    for (const auto& f : frames) {
      checkpoint.frames.push_back({f.value("frame", ""), f.value("url", ""), f.value("elements", 0.0)});
    }
    a.dom_counts.push_back(std::move(checkpoint));
  }
  const json grown = j.value("frames_grown", json::array());
  for (const auto& f : grown) {
    a.frames_grown.push_back({f.value("frame", ""), f.value("url", ""), f.value("first", 0.0),
                              f.value("last", 0.0), f.value("per_iteration", 0.0)});
  }
  return a;
}

std::string render_summary_json(const RunSummary& summary) {
  // Curve points ([iteration, value] pairs) go on one line each; a 60-point curve otherwise
  // takes 240 lines.
  static const std::regex kPair(R"(\[\n\s*(-?[0-9.eE+-]+),\n\s*(-?[0-9.eE+-]+)\n\s*\])");
  return std::regex_replace(summary_to_json(summary).dump(2), kPair, "[$1, $2]") + "\n";
}

RunSummary summary_from_json(const ordered_json& j, const std::string& source) {
  return summary_from_json(json(j), source);
}

RunSummary summary_from_json(const json& j, const std::string& source) {
  if (!j.is_object() || !j.contains("run_id") || !j.contains("curve")) {
    throw InputError(fmt::format("{} is not a harness summary.json (no run_id/curve)", source));
  }
  RunSummary s;
  RunInfo& r = s.info;
  try {
    r.id = j.at("run_id").get<std::string>();
    r.scenario = j.value("scenario", "");
    r.scenario_file = j.value("scenario_file", "");
    r.browser = j.value("browser", "");
    const json variant = j.value("variant", json::object());
    for (auto& [k, v] : variant.items()) r.variant.emplace_back(k, v.get<std::string>());
    const std::string status = j.value("status", "error");
    for (auto st : all_run_statuses()) {
      if (status == status_name(st)) r.status = st;
    }
    r.reason = j.value("reason", "");
    r.iterations_planned = j.value("iterations_planned", 0);
    r.iterations_completed = j.value("iterations_completed", 0);
    r.warmup = j.value("warmup", 0);
    r.started_at = j.value("started_at", "");
    if (j.contains("ended_at") && j["ended_at"].is_string()) r.ended_at = j["ended_at"];
    r.duration_s = j.value("duration_s", 0.0);
    r.browser_version = j.value("browser_version", "");
    r.driver_version = j.value("driver_version", "");
    r.start_url = j.value("start_url", "");
    if (j.contains("checkpoint")) {
      r.checkpoint_every = j["checkpoint"].value("every", 0);
      r.checkpoint_gc = j["checkpoint"].value("gc", false);
      r.settle_ms = j["checkpoint"].value("settle_ms", 0);
    }
    r.sample_interval_ms = j.value("sample_interval_ms", 0);
    r.input_mode = j.value("input", "");
    if (j.contains("ceiling_bytes") && j["ceiling_bytes"].is_number()) {
      r.ceiling_bytes = j["ceiling_bytes"].get<std::uint64_t>();
    }
    r.environment = j.value("environment", json::object());
    r.components = j.value("components", json::array());
    // Checkpoints are rebuilt from the per-metric curves.
    std::map<int, CheckpointRecord> by_iteration;
    auto add_curve = [&](const std::string& name, const json& points) {
      for (const auto& p : points) {
        auto& c = by_iteration[p.at(0).get<int>()];
        c.iteration = p.at(0).get<int>();
        c.gc = r.checkpoint_gc;
        c.metrics[name] = p.at(1).get<double>();
      }
    };
    const json metrics = j.value("metrics", json::object());
    for (auto& [name, points] : metrics.items()) add_curve(name, points);
    add_curve(j["curve"].value("metric", kDefaultCurveMetric), j["curve"].value("points", json::array()));
    for (auto& [n, c] : by_iteration) s.checkpoints.push_back(std::move(c));
    if (j.contains("verdict") && j["verdict"].is_object()) {
      const json& v = j["verdict"];
      Verdict verdict;
      verdict.kind = verdict_from_name(v.value("kind", "")).value_or(VerdictKind::kInsufficient);
      verdict.reason = v.value("reason", "");
      verdict.metrics = v.value("metrics", std::vector<std::string>{});
      verdict.subjects = v.value("subjects", std::vector<std::string>{});
      verdict.targets = v.value("targets", std::vector<std::string>{});
      if (v.contains("slope_bytes_per_iteration") && v["slope_bytes_per_iteration"].is_number()) {
        verdict.slope_bytes_per_iteration = v["slope_bytes_per_iteration"].get<double>();
      }
      if (v.contains("ci95") && v["ci95"].is_array() && v["ci95"].size() == 2) {
        verdict.ci95 = std::make_pair(v["ci95"][0].get<double>(), v["ci95"][1].get<double>());
      }
      const json per_metric = v.value("per_metric", json::array());
      for (const auto& m : per_metric) {
        MetricVerdict mv;
        mv.metric = m.value("metric", "");
        mv.subject = m.value("subject", "");
        mv.fit = m.value("fit", "ols");
        mv.kind = verdict_from_name(m.value("kind", "")).value_or(VerdictKind::kInsufficient);
        mv.unit = m.value("unit", "");
        mv.points = m.value("points", std::size_t{0});
        mv.slope = m.value("slope_per_iteration", 0.0);
        mv.slope_se = m.contains("slope_se") && m["slope_se"].is_number()
                          ? m["slope_se"].get<double>()
                          : std::numeric_limits<double>::infinity();
        if (m.contains("ci95") && m["ci95"].is_array()) {
          mv.ci95_low = m["ci95"][0].get<double>();
          mv.ci95_high = m["ci95"][1].get<double>();
        }
        mv.theil_sen = m.value("theil_sen_per_iteration", 0.0);
        mv.threshold = m.value("threshold_per_iteration", 0.0);
        if (m.contains("first") && m["first"].is_array()) {
          mv.first_iteration = m["first"][0].get<int>();
          mv.first_value = m["first"][1].get<double>();
        }
        if (m.contains("last") && m["last"].is_array()) {
          mv.last_iteration = m["last"][0].get<int>();
          mv.last_value = m["last"][1].get<double>();
        }
        if (m.contains("plateau_from") && m["plateau_from"].is_number()) {
          mv.plateau_from = m["plateau_from"].get<int>();
        }
        mv.reason = m.value("reason", "");
        verdict.per_metric.push_back(std::move(mv));
      }
      s.verdict = std::move(verdict);
    }
    if (j.contains("peak") && j["peak"].is_object()) {
      const json& p = j["peak"];
      s.peak = Peak{p.value("metric", ""), p.value("bytes", 0.0), p.value("t_ms", std::int64_t{0}),
                    p.value("iteration", 0)};
    }
    if (j.contains("projection") && j["projection"].is_object()) {
      s.projection = projection_from_json(j["projection"]);
    }
    if (j.contains("expect") && j["expect"].is_object()) {
      const json& e = j["expect"];
      if (e.contains("verdict") && e["verdict"].is_string()) {
        s.expect.verdict = verdict_from_name(e["verdict"].get<std::string>());
      }
      if (e.contains("max_slope_bytes") && e["max_slope_bytes"].is_number()) {
        s.expect.max_slope_bytes = e["max_slope_bytes"].get<double>();
      }
      if (e.contains("max_peak_bytes") && e["max_peak_bytes"].is_number()) {
        s.expect.max_peak_bytes = e["max_peak_bytes"].get<double>();
      }
    }
    if (j.contains("expectations") && j["expectations"].is_object()) {
      s.expectations.declared = j["expectations"].value("declared", false);
      s.expectations.met = j["expectations"].value("met", true);
      s.expectations.failures = j["expectations"].value("failures", std::vector<std::string>{});
    }
    if (j.contains("ceiling") && j["ceiling"].is_object()) {
      const json& c = j["ceiling"];
      CeilingReport report;
      report.bytes = c.value("bytes", 0.0);
      report.metric = c.value("metric", "");
      report.enforce = c.value("enforce", "");
      if (c.contains("reached") && c["reached"].is_object()) {
        report.reached_iteration = c["reached"].value("iteration", 0);
        report.reached_t_ms = c["reached"].value("t_ms", std::int64_t{0});
        report.reached_bytes = c["reached"].value("bytes", 0.0);
      }
      if (c.contains("early_projection") && c["early_projection"].is_object()) {
        report.early_projection = projection_from_json(c["early_projection"]);
      }
      s.ceiling = report;
    }
    const json dumps = j.value("dumps", json::array());
    for (const auto& d : dumps) {
      s.dumps.push_back({d.value("t_ms", std::int64_t{0}), d.value("iteration", 0),
                         d.value("kind", ""), d.value("rule", ""), d.value("metric", ""),
                         d.value("value_bytes", 0.0), d.value("file", ""),
                         d.value("size_bytes", std::uint64_t{0})});
    }
    if (j.contains("responsiveness") && j["responsiveness"].is_object()) {
      for (const auto& p : j["responsiveness"].value("iteration_ms", json::array())) {
        s.iteration_ms.push_back({p.at(0).get<int>(), p.at(1).get<double>()});
      }
      for (const auto& p : j["responsiveness"].value("heartbeat_max_ms", json::array())) {
        s.heartbeat_max_ms.push_back({p.at(0).get<int>(), p.at(1).get<double>()});
      }
    }
    if (j.contains("mitigation") && j["mitigation"].is_object()) {
      const json& m = j["mitigation"];
      s.mitigation.reload_every = m.value("reload_every", 0);
      s.mitigation.restart_every = m.value("restart_every", 0);
      s.mitigation.reloads = m.value("reloads", 0);
      s.mitigation.restarts = m.value("restarts", 0);
      if (m.contains("stayed_below_ceiling") && m["stayed_below_ceiling"].is_boolean()) {
        s.mitigation.stayed_below_ceiling = m["stayed_below_ceiling"].get<bool>();
      }
    }
    if (j.contains("adaptive") && j["adaptive"].is_object()) {
      s.adaptive.enabled = true;
      s.adaptive.max_iterations = j["adaptive"].value("max_iterations", 0);
      s.adaptive.iterations_used = j["adaptive"].value("iterations_used", 0);
      s.adaptive.seconds_used = j["adaptive"].value("seconds_used", 0.0);
    }
    const json events = j.value("events", json::array());
    for (const auto& e : events) {
      s.events.push_back({e.value("t_ms", std::int64_t{0}), e.value("iteration", 0),
                          e.value("kind", ""), e.value("message", ""),
                          e.value("details", json::object())});
    }
    const json files = j.value("files", json::object());
    for (auto& [k, v] : files.items()) s.files[k] = v.get<std::string>();
    if (j.contains("attribution") && j["attribution"].is_object()) {
      s.attribution = attribution_from_json(j["attribution"]);
    }
  } catch (const json::exception& e) {
    throw InputError(fmt::format("{}: malformed summary.json: {}", source, e.what()));
  }
  return s;
}

}  // namespace harness
