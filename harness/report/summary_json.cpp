#include "harness/report/summary_json.hpp"

#include <fmt/format.h>

#include <cmath>
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

  return ordered_json{
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
      {"events", events},
      {"files", files},
  };
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
    for (auto st : {RunStatus::kRunning, RunStatus::kCompleted, RunStatus::kStepFailed,
                    RunStatus::kCrashed, RunStatus::kError, RunStatus::kInterrupted}) {
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
    const json events = j.value("events", json::array());
    for (const auto& e : events) {
      s.events.push_back({e.value("t_ms", std::int64_t{0}), e.value("iteration", 0),
                          e.value("kind", ""), e.value("message", ""),
                          e.value("details", json::object())});
    }
    const json files = j.value("files", json::object());
    for (auto& [k, v] : files.items()) s.files[k] = v.get<std::string>();
  } catch (const json::exception& e) {
    throw InputError(fmt::format("{}: malformed summary.json: {}", source, e.what()));
  }
  return s;
}

}  // namespace harness
