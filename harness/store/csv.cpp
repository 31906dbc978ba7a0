#include "harness/store/csv.hpp"

#include <fmt/format.h>

namespace harness {

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string samples_csv_header() {
  return "t_ms,iteration,pid,role,subtype,rss_bytes,private_bytes,virtual_bytes\n";
}

std::string samples_csv_rows(const SampleBatch& batch) {
  std::string out;
  for (const auto& p : batch.processes) {
    out += fmt::format("{},{},{},{},{},{},{},{}\n", batch.t_ms, batch.iteration, p.pid,
                       role_name(p.role), csv_field(p.subtype), p.rss_bytes, p.private_bytes,
                       p.virtual_bytes);
  }
  return out;
}

std::string checkpoints_csv_header() {
  std::string out = "iteration,t_ms,gc";
  for (const auto& name : checkpoint_metric_names()) out += "," + name;
  return out + "\n";
}

std::string checkpoints_csv_row(const CheckpointRecord& record) {
  std::string out = fmt::format("{},{},{}", record.iteration, record.t_ms, record.gc ? 1 : 0);
  for (const auto& name : checkpoint_metric_names()) {
    auto it = record.metrics.find(name);
    out += ',';
    if (it != record.metrics.end()) out += fmt::format("{}", it->second);
  }
  return out + "\n";
}

}  // namespace harness
