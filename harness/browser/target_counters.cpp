#include "harness/browser/target_counters.hpp"

#include <set>

#include "harness/model/run_model.hpp"

namespace harness {

namespace {

// Host (no port) and path of a URL: "http://127.0.0.1:4321/a/b.js?x" -> {"127.0.0.1", "/a/b.js"}.
std::pair<std::string, std::string> host_and_path(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return {url, ""};
  const auto start = scheme + 3;
  const auto slash = url.find('/', start);
  std::string authority = url.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
  std::string path = slash == std::string::npos ? "/" : url.substr(slash);
  if (const auto q = path.find_first_of("?#"); q != std::string::npos) path.resize(q);
  if (const auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  if (!authority.empty() && authority.front() == '[') {
    authority = authority.substr(0, authority.find(']') + 1);
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    authority.resize(colon);
  }
  return {authority, path};
}

// The metrics a target contributes to the tab's sum.
const std::vector<std::string>& summed_metrics() {
  static const std::vector<std::string> kSummed = {
      metric::kJsHeapUsed,     metric::kJsHeapTotal, metric::kEmbedderHeap,
      metric::kBackingStorage, metric::kDocuments,   metric::kNodes,
      metric::kListeners};
  return kSummed;
}

}  // namespace

std::string target_label(const std::string& type, const std::string& url) {
  if (type == "page") return "page";
  const auto [host, path] = host_and_path(url);
  if (type == "iframe") return "frame:" + host;
  return type + ":" + host + path;
}

std::map<std::string, double> combine_targets(const std::vector<TargetReading>& readings) {
  std::map<std::string, double> out;
  std::set<std::string> frames_seen;
  for (const auto& r : readings) {
    if (r.type == "page") {
      out.insert(r.values.begin(), r.values.end());
      break;
    }
  }
  std::map<std::string, std::map<std::string, double>> per_target;
  for (const auto& r : readings) {
    const std::string label = target_label(r.type, r.url);
    if (r.type == "iframe" && !frames_seen.insert(label).second) continue;  // same renderer
    auto& mine = per_target[label];
    for (const auto& name : summed_metrics()) {
      auto it = r.values.find(name);
      if (it == r.values.end()) continue;
      mine[name] += it->second;
      if (r.type != "page") out[name] += it->second;
    }
  }
  // Only tabs with more than the top page get per-target metrics: a page without cross-site
  // frames or workers records exactly what it did before.
  if (per_target.size() > 1) {
    for (const auto& [label, values] : per_target) {
      for (const auto& [name, value] : values) out[target_metric(label, name)] = value;
    }
  }
  return out;
}

}  // namespace harness
