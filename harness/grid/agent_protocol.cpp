#include "harness/grid/agent_protocol.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "harness/error.hpp"

namespace harness {

using nlohmann::json;

json to_json(const ProcessReading& r) {
  return json{{"pid", r.pid},           {"role", role_name(r.role)},
              {"subtype", r.subtype},   {"rss", r.rss_bytes},
              {"private", r.private_bytes}, {"virtual", r.virtual_bytes}};
}

ProcessReading reading_from_json(const json& j) {
  ProcessReading r;
  r.pid = j.value("pid", Pid{0});
  r.role = role_from_name(j.value("role", "other"));
  r.subtype = j.value("subtype", "");
  r.rss_bytes = j.value("rss", std::uint64_t{0});
  r.private_bytes = j.value("private", std::uint64_t{0});
  r.virtual_bytes = j.value("virtual", std::uint64_t{0});
  return r;
}

json to_json(const DetailedReading& r) {
  return json{{"cheap", to_json(r.cheap)},
              {"pss", r.pss_bytes},
              {"smaps_private", r.smaps_private_bytes},
              {"swap", r.swap_bytes},
              {"peak_rss", r.peak_rss_bytes},
              {"data", r.data_bytes},
              {"largest_free_block", r.largest_free_block_bytes},
              {"free", r.free_bytes},
              {"is_32bit", r.is_32bit},
              {"large_address_aware", r.large_address_aware}};
}

DetailedReading detailed_from_json(const json& j) {
  DetailedReading r;
  r.cheap = reading_from_json(j.value("cheap", json::object()));
  r.pss_bytes = j.value("pss", std::uint64_t{0});
  r.smaps_private_bytes = j.value("smaps_private", std::uint64_t{0});
  r.swap_bytes = j.value("swap", std::uint64_t{0});
  r.peak_rss_bytes = j.value("peak_rss", std::uint64_t{0});
  r.data_bytes = j.value("data", std::uint64_t{0});
  r.largest_free_block_bytes = j.value("largest_free_block", std::uint64_t{0});
  r.free_bytes = j.value("free", std::uint64_t{0});
  r.is_32bit = j.value("is_32bit", false);
  r.large_address_aware = j.value("large_address_aware", false);
  return r;
}

json to_json(const ProcessIdentity& id) {
  return json{{"pid", id.pid}, {"start_ticks", id.start_ticks}};
}

ProcessIdentity identity_from_json(const json& j) {
  return ProcessIdentity{j.value("pid", Pid{0}), j.value("start_ticks", std::uint64_t{0})};
}

json to_json(const SampleBatch& batch) {
  json processes = json::array();
  for (const auto& p : batch.processes) processes.push_back(to_json(p));
  return json{{"t_ms", batch.t_ms}, {"iteration", batch.iteration}, {"processes", processes}};
}

SampleBatch batch_from_json(const json& j) {
  SampleBatch batch;
  batch.t_ms = j.value("t_ms", std::int64_t{0});
  batch.iteration = j.value("iteration", 0);
  for (const auto& p : j.value("processes", json::array())) {
    batch.processes.push_back(reading_from_json(p));
  }
  return batch;
}

json to_json(const EndReport& report) {
  json survivors = json::array();
  for (const auto& s : report.survivors) survivors.push_back(to_json(s));
  return json{{"processes_seen", report.processes_seen},
              {"survivors", survivors},
              {"temp_removed", report.temp_removed},
              {"temp_dir", report.temp_dir},
              {"note", report.note},
              {"details", report.details}};
}

EndReport end_report_from_json(const json& j) {
  EndReport report;
  report.processes_seen = j.value("processes_seen", std::size_t{0});
  for (const auto& s : j.value("survivors", json::array())) {
    report.survivors.push_back(identity_from_json(s));
  }
  report.temp_removed = j.value("temp_removed", true);
  report.temp_dir = j.value("temp_dir", "");
  report.note = j.value("note", "");
  report.details = j.value("details", json::object());
  return report;
}

json to_json(const BrowserNotice& notice) {
  return json{{"kind", notice.kind}, {"message", notice.message}, {"details", notice.details}};
}

BrowserNotice notice_from_json(const json& j) {
  return BrowserNotice{j.value("kind", ""), j.value("message", ""),
                       j.value("details", json::object())};
}

json to_json(const PageError& error) {
  return json{{"message", error.message}, {"source", error.source}};
}

PageError page_error_from_json(const json& j) {
  return PageError{j.value("message", ""), j.value("source", "")};
}

json to_json(const ProcessStatus& status) {
  return json{{"data", status.data_bytes},
              {"peak_rss", status.peak_rss_bytes},
              {"rss", status.rss_bytes}};
}

ProcessStatus status_from_json(const json& j) {
  ProcessStatus st;
  st.data_bytes = j.value("data", std::uint64_t{0});
  st.peak_rss_bytes = j.value("peak_rss", std::uint64_t{0});
  st.rss_bytes = j.value("rss", std::uint64_t{0});
  return st;
}

std::string read_token_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(fmt::format("cannot read the token file '{}'", file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  const auto first = token.find_first_not_of(" \t\r\n");
  const auto last = token.find_last_not_of(" \t\r\n");
  token = first == std::string::npos ? "" : token.substr(first, last - first + 1);
  if (token.empty()) throw InputError(fmt::format("the token file '{}' is empty", file.string()));
  return token;
}

bool authorized(const std::string& header, const std::string& token) {
  static const std::string kScheme = "Bearer ";
  if (token.empty() || header.size() != kScheme.size() + token.size() ||
      header.compare(0, kScheme.size(), kScheme) != 0) {
    return false;
  }
  unsigned char diff = 0;
  for (std::size_t i = 0; i < token.size(); ++i) {
    diff |= static_cast<unsigned char>(header[kScheme.size() + i] ^ token[i]);
  }
  return diff == 0;
}

HostPort parse_http_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    throw InputError(fmt::format("'{}' is not an http:// URL", url));
  }
  std::string authority = url.substr(scheme.size());
  authority = authority.substr(0, authority.find('/'));
  HostPort out;
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) throw InputError(fmt::format("bad host in '{}'", url));
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else {
    const auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  try {
    out.port = port.empty() ? 80 : std::stoi(port);
  } catch (const std::exception&) {
    throw InputError(fmt::format("bad port in '{}'", url));
  }
  if (out.host.empty() || out.port <= 0 || out.port > 65535) {
    throw InputError(fmt::format("'{}' names no host and port", url));
  }
  return out;
}

}  // namespace harness
