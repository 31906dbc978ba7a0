#include "harness/attribute/attribution.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "harness/error.hpp"
#include "harness/model/units.hpp"

namespace harness {

void attribute_heap_snapshots(Attribution& attribution, const std::filesystem::path& run_dir,
                              const GrowthOptions& options,
                              const std::function<void(const std::string&)>& progress) {
  auto& snapshots = attribution.snapshots;
  if (snapshots.size() < 3) {
    throw InputError(fmt::format("attribution needs three heap snapshots, the run has {}",
                                 snapshots.size()));
  }
  const auto started = std::chrono::steady_clock::now();
  auto tell = [&](const std::string& what) {
    if (progress) progress(what);
  };
  // The earlier snapshots only for their ids; the last one whole. At most one graph in memory.
  std::vector<SnapshotIds> earlier;
  for (std::size_t i = 0; i + 1 < snapshots.size(); ++i) {
    tell(fmt::format("reading heap snapshot {}/{} ({}, iteration {})", i + 1, snapshots.size(),
                     format_bytes(static_cast<double>(snapshots[i].size_bytes)),
                     snapshots[i].iteration));
    SnapshotIds ids{snapshots[i].iteration, read_heap_snapshot_ids(run_dir / snapshots[i].file)};
    snapshots[i].nodes = ids.ids.size();
    earlier.push_back(std::move(ids));
  }
  auto& last = snapshots.back();
  tell(fmt::format("reading heap snapshot {}/{} ({}, iteration {}) and its graph",
                   snapshots.size(), snapshots.size(),
                   format_bytes(static_cast<double>(last.size_bytes)), last.iteration));
  const HeapGraph graph = read_heap_graph(run_dir / last.file);
  last.nodes = graph.node_count();
  tell("growth, dominators and retainer paths");
  auto result = analyze_heap_growth(earlier, graph, last.iteration, options);
  attribution.method = "heap_snapshots";
  attribution.groups = std::move(result.groups);
  attribution.noise_floor = std::move(result.noise_floor);
  attribution.analysis_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

namespace {

std::string without_query(const std::string& url) {
  const auto cut = url.find_first_of("?#");
  return cut == std::string::npos ? url : url.substr(0, cut);
}

}  // namespace

std::vector<FrameDomGrowth> frame_dom_growth(const std::vector<FrameDomCheckpoint>& checkpoints) {
  struct Seen {
    int first_iteration = 0, last_iteration = 0;
    FrameDomGrowth growth;
  };
  std::map<std::pair<std::string, std::string>, Seen> frames;
  for (const auto& checkpoint : checkpoints) {
    for (const auto& f : checkpoint.frames) {
      if (f.elements < 0) continue;  // cross-origin: not countable from the page
      const auto key = std::make_pair(f.frame, without_query(f.url));
      auto [it, added] = frames.try_emplace(key);
      Seen& s = it->second;
      if (added) {
        s.first_iteration = checkpoint.iteration;
        s.growth.frame = f.frame;
        s.growth.url = key.second;
        s.growth.first = f.elements;
      }
      s.last_iteration = checkpoint.iteration;
      s.growth.last = f.elements;
    }
  }
  std::vector<FrameDomGrowth> grown;
  for (auto& [key, s] : frames) {
    const int span = s.last_iteration - s.first_iteration;
    if (span <= 0 || s.growth.last <= s.growth.first) continue;
    s.growth.per_iteration = (s.growth.last - s.growth.first) / span;
    grown.push_back(s.growth);
  }
  std::sort(grown.begin(), grown.end(), [](const auto& a, const auto& b) {
    return a.per_iteration > b.per_iteration;
  });
  return grown;
}

std::vector<FrameDomCount> parse_frame_dom_counts(const std::string& json_text) {
  std::vector<FrameDomCount> out;
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("the frame count script returned no JSON: {}", e.what()));
  }
  if (!parsed.is_array()) throw std::runtime_error("the frame count script returned no list");
  for (const auto& f : parsed) {
    if (!f.is_object()) continue;
    FrameDomCount c;
    c.frame = f.value("frame", "");
    c.url = f.value("url", "");
    c.elements = f.value("elements", -1.0);
    out.push_back(std::move(c));
  }
  return out;
}

std::string retainer_path_text(const std::vector<RetainerStep>& path, std::size_t last_steps) {
  const std::size_t from =
      last_steps > 0 && path.size() > last_steps ? path.size() - last_steps : 0;
  std::string text = from > 0 ? "... " : "";
  for (std::size_t i = from; i < path.size(); ++i) {
    text += path[i].node;
    if (!path[i].edge.empty()) text += " -> " + path[i].edge + " -> ";
  }
  return text;
}

std::vector<std::string> attribution_console_lines(const Attribution& a) {
  std::vector<std::string> lines;
  if (!a.error.empty()) {
    lines.push_back("attribution: " + a.error);
    return lines;
  }
  if (a.method == "heap_snapshots") {
    if (a.groups.empty()) {
      lines.push_back("attribution: no object group grew in proportion to the iterations");
      return lines;
    }
    std::vector<std::string> tops;
    for (std::size_t i = 0; i < a.groups.size() && i < 3; ++i) {
      const auto& g = a.groups[i];
      tops.push_back(fmt::format("{} +{:.3g}/it ({}/it retained)", g.name, g.count_per_iteration,
                                 format_bytes(g.retained_bytes_per_iteration)));
    }
    lines.push_back(fmt::format("attribution: {}", fmt::join(tops, "; ")));
    const auto& top = a.groups.front();
    if (!top.path.empty()) {
      // The last steps of the path: the holder and the object.
      lines.push_back(fmt::format("  held by {}: {}", top.holder.empty() ? "?" : top.holder,
                                  retainer_path_text(top.path, 4)));
    }
  }
  if (a.method == "dom_counts" && a.frames_grown.empty()) {
    lines.push_back("attribution: no heap snapshots here; no reachable frame's document grew");
  }
  if (!a.frames_grown.empty()) {
    const auto& f = a.frames_grown.front();
    lines.push_back(fmt::format("  frame {} ({}) document +{:.3g} elements/it ({} -> {})", f.frame,
                                f.url, f.per_iteration, f.first, f.last));
  }
  if (lines.size() > 3) lines.resize(3);
  return lines;
}

}  // namespace harness
