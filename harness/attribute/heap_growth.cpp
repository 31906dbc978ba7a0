#include "harness/attribute/heap_growth.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <limits>
#include <unordered_map>

#include "harness/error.hpp"
#include "harness/model/units.hpp"

namespace harness {

// The node's label with Blink's template arguments (label_node shortens them).
NodeLabel label_node_full(const HeapGraph& g, std::size_t n);

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t kMaxContains = 20;  // inner groups listed per leak root, largest first

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// "Window [JSGlobalObject] / http://127.0.0.1:37057" -> the part before " / ".
std::string base_name(const std::string& name) {
  const auto slash = name.find(" / ");
  return slash == std::string::npos ? name : name.substr(0, slash);
}

bool is_document_name(const std::string& base) {
  return base == "HTMLDocument" || base == "Document" || base == "XMLDocument";
}

// A window's document state from its edges to a (native) document: 2 detached, 1 attached.
int window_document_state(const HeapGraph& g, std::size_t n) {
  for (auto e = g.first_edge[n]; e < g.first_edge[n + 1]; ++e) {
    if (g.type_of_edge(e) == "weak") continue;
    const auto to = g.edge_to[e];
    if (g.node_type(to) == "native" && is_document_name(base_name(g.node_name(to)))) {
      return g.detachedness[to];
    }
  }
  return 0;
}

bool is_window_name(const std::string& base) {
  return base == "Window" || base == "Window [JSGlobalObject]";
}

// The page's own windows: a frame's window whose document is attached (the main frame and the
// frames still in it) and that the snapshot names with its URL.
bool is_live_window(const HeapGraph& g, std::size_t n) {
  const auto& name = g.node_name(n);
  return g.node_type(n) == "native" && base_name(name) == "Window" &&
         name.find(" / ") != std::string::npos && window_document_state(g, n) != 2;
}

std::string edge_text(const HeapGraph& g, std::size_t e) {
  const auto& type = g.type_of_edge(e);
  if (g.edge_has_index(e)) {
    return type == "element" ? fmt::format("[{}]", g.edge_name[e]) : "(hidden)";
  }
  const auto& name = g.strings.at(g.edge_name[e]);
  if (type == "property") return "." + name;
  if (type == "context") return name + " (variable)";
  return fmt::format("({} {})", type, name);
}

// The edge's name when it names a holder (a property or a closure variable), else "".
std::string holder_edge_name(const HeapGraph& g, std::size_t e) {
  const auto& type = g.type_of_edge(e);
  if (type != "property" && type != "context") return "";
  const auto& name = g.strings.at(g.edge_name[e]);
  if (starts_with(name, "<symbol") || name == "__proto__") return "";
  return name;
}

// Which edge types are weak (excluded from paths and dominators), by edge type index.
std::vector<std::uint8_t> weak_edge_types(const HeapGraph& g) {
  std::vector<std::uint8_t> weak(g.edge_types.size(), 0);
  for (std::size_t t = 0; t < g.edge_types.size(); ++t) weak[t] = g.edge_types[t] == "weak";
  return weak;
}

struct Dominators {
  std::vector<std::uint32_t> idom;       // kNone: the root, or unreachable from it
  std::vector<std::uint32_t> preorder;   // reachable nodes in DFS pre-order: dominators first
  std::vector<std::uint64_t> retained;
};

// Lengauer & Tarjan's algorithm (1979, the simple version with path compression) over the
// non-weak edges from node 0, the snapshot's root. Cooper, Harvey & Kennedy's iterative
// algorithm was tried first: 87 % of a 4.5 s analysis of a 35 MiB snapshot went to its
// fixpoint iterations (heap graphs have long chains); this one is near-linear.
Dominators dominators(const HeapGraph& g) {
  const std::size_t n = g.node_count();
  Dominators d;
  d.idom.assign(n, kNone);
  d.retained.assign(g.self_size.begin(), g.self_size.end());
  if (n == 0) return d;
  const auto weak = weak_edge_types(g);

  // DFS numbering (iterative), the DFS tree's parents, in number space.
  std::vector<std::uint32_t> number(n, kNone);
  std::vector<std::uint32_t>& vertex = d.preorder;
  std::vector<std::uint32_t> parent;
  vertex.reserve(n);
  parent.reserve(n);
  {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> stack;  // node, next edge
    number[0] = 0;
    vertex.push_back(0);
    parent.push_back(kNone);
    stack.emplace_back(0, g.first_edge[0]);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next == g.first_edge[node + 1]) {
        stack.pop_back();
        continue;
      }
      const auto e = next++;
      if (weak[g.edge_type[e]]) continue;
      const auto to = g.edge_to[e];
      if (number[to] != kNone) continue;
      number[to] = static_cast<std::uint32_t>(vertex.size());
      parent.push_back(number[node]);
      vertex.push_back(to);
      stack.emplace_back(to, g.first_edge[to]);
    }
  }
  const std::size_t r = vertex.size();

  // Predecessors in number space (reachable sources only), as CSR.
  std::vector<std::uint32_t> pred_start(r + 1, 0);
  for (std::size_t v = 0; v < r; ++v) {
    const auto from = vertex[v];
    for (auto e = g.first_edge[from]; e < g.first_edge[from + 1]; ++e) {
      if (!weak[g.edge_type[e]]) ++pred_start[number[g.edge_to[e]] + 1];
    }
  }
  for (std::size_t i = 0; i < r; ++i) pred_start[i + 1] += pred_start[i];
  std::vector<std::uint32_t> preds(pred_start[r]);
  {
    std::vector<std::uint32_t> fill(pred_start.begin(), pred_start.end() - 1);
    for (std::size_t v = 0; v < r; ++v) {
      const auto from = vertex[v];
      for (auto e = g.first_edge[from]; e < g.first_edge[from + 1]; ++e) {
        if (!weak[g.edge_type[e]]) preds[fill[number[g.edge_to[e]]]++] = static_cast<std::uint32_t>(v);
      }
    }
  }

  std::vector<std::uint32_t> semi(r), label(r), ancestor(r, kNone), dom(r, kNone);
  std::vector<std::uint32_t> bucket_head(r, kNone), bucket_next(r, kNone);
  for (std::uint32_t v = 0; v < r; ++v) semi[v] = label[v] = v;
  std::vector<std::uint32_t> path;
  auto eval = [&](std::uint32_t v) {
    if (ancestor[v] == kNone) return v;
    // Compress the ancestor chain of v (iteratively: chains can be 100,000s long).
    path.clear();
    for (auto x = v; ancestor[ancestor[x]] != kNone; x = ancestor[x]) path.push_back(x);
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      const auto x = *it;
      const auto a = ancestor[x];
      if (semi[label[a]] < semi[label[x]]) label[x] = label[a];
      ancestor[x] = ancestor[a];
    }
    return label[v];
  };
  for (std::uint32_t w = static_cast<std::uint32_t>(r) - 1; w >= 1; --w) {
    for (auto p = pred_start[w]; p < pred_start[w + 1]; ++p) {
      const auto u = eval(preds[p]);
      if (semi[u] < semi[w]) semi[w] = semi[u];
    }
    bucket_next[w] = bucket_head[semi[w]];
    bucket_head[semi[w]] = w;
    const auto pw = parent[w];
    ancestor[w] = pw;
    for (auto v = bucket_head[pw]; v != kNone; v = bucket_next[v]) {
      const auto u = eval(v);
      dom[v] = semi[u] < semi[v] ? u : pw;
    }
    bucket_head[pw] = kNone;
  }
  for (std::uint32_t w = 1; w < r; ++w) {
    if (dom[w] != semi[w]) dom[w] = dom[dom[w]];
  }
  for (std::uint32_t w = 1; w < r; ++w) d.idom[vertex[w]] = vertex[dom[w]];
  // Retained sizes: a node comes after its dominator in pre-order.
  for (std::size_t w = r; w-- > 1;) {
    const auto node = vertex[w];
    d.retained[d.idom[node]] += d.retained[node];
  }
  return d;
}

// Shortest paths (fewest edges, weak edges excluded) from the page's live windows, then from
// the root for what they do not reach. parent_edge[n] is the edge that reached n.
struct Paths {
  std::vector<std::uint32_t> parent_edge;
  std::vector<std::uint32_t> parent_node;
  std::vector<std::uint32_t> depth;
  std::vector<std::uint8_t> from_window;
  std::vector<std::uint32_t> order;  // the nodes reached, in BFS order (parents first)
};

Paths shortest_paths(const HeapGraph& g) {
  const std::size_t n = g.node_count();
  Paths p;
  p.parent_edge.assign(n, kNone);
  p.parent_node.assign(n, kNone);
  p.depth.assign(n, kNone);
  p.from_window.assign(n, 0);
  const auto weak = weak_edge_types(g);
  std::deque<std::uint32_t> queue;
  auto run = [&](bool window) {
    while (!queue.empty()) {
      const auto node = queue.front();
      queue.pop_front();
      p.order.push_back(node);
      for (auto e = g.first_edge[node]; e < g.first_edge[node + 1]; ++e) {
        if (weak[g.edge_type[e]]) continue;
        const auto to = g.edge_to[e];
        if (p.depth[to] != kNone) continue;
        p.depth[to] = p.depth[node] + 1;
        p.parent_edge[to] = static_cast<std::uint32_t>(e);
        p.parent_node[to] = node;
        p.from_window[to] = window;
        queue.push_back(to);
      }
    }
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (is_live_window(g, i)) {
      p.depth[i] = 0;
      p.from_window[i] = 1;
      queue.push_back(static_cast<std::uint32_t>(i));
    }
  }
  run(true);
  if (n > 0 && p.depth[0] == kNone) {
    p.depth[0] = 0;
    queue.push_back(0);
    run(false);
  }
  return p;
}

// Whether a group may hold others and be reported as a leak root: what a page's developer
// knows (objects, closures, strings, DOM nodes, windows, documents), not V8's or Blink's own
// structures (backing stores, hash tables, shapes, contexts), which a leak passes through.
bool may_own(const NodeLabel& label) {
  return label.kind != "system" && label.kind != "code" && label.kind != "array" &&
         !starts_with(label.name, "blink::") && !starts_with(label.name, "cppgc::") &&
         !starts_with(label.name, "v8::");
}

// What holds the object at the end of `chain`: the nearest node before it that a developer
// knows (an object, a DOM node, a closure; not V8's or Blink's internals), named by the
// property or variable that leads to it when there is one: "kept (Array)", "HTMLDocument".
std::string holder_of(const HeapGraph& g, const Paths& paths, const std::vector<std::uint32_t>& chain) {
  for (std::size_t i = chain.size() - 1; i-- > 0;) {
    const auto label = label_node(g, chain[i]);
    if (!may_own(label) || label.kind == "string") continue;
    const std::string name = i > 0 ? holder_edge_name(g, paths.parent_edge[chain[i]]) : "";
    if (i == 0 && paths.from_window[chain[0]]) return "Window (global)";
    return name.empty() ? label.name : fmt::format("{} ({})", name, label.name);
  }
  return "";
}

struct Group {
  NodeLabel label;
  std::vector<std::uint64_t> born;  // per interval
  std::uint64_t self = 0;
  std::vector<std::uint32_t> members;
};

}  // namespace

NodeLabel label_node_full(const HeapGraph& g, std::size_t n) {
  const auto& type = g.node_type(n);
  const auto& name = g.node_name(n);
  const std::string base = base_name(name);
  if (type == "string" || type == "concatenated string" || type == "sliced string") {
    return {"(string)", "string"};
  }
  if (type == "number") return {"(number)", "system"};
  if (type == "symbol") return {"(symbol)", "system"};
  if (type == "bigint") return {"(bigint)", "system"};
  if (type == "code") return {"(compiled code)", "code"};
  if (type == "object shape") return {"(object shape)", "system"};
  if (type == "hidden" || type == "synthetic") return {"(system) " + base, "system"};
  if (starts_with(name, "system / ")) {
    const auto rest = name.substr(9);
    return {"system / " + base_name(rest), "system"};
  }
  if (type == "array") return {base.empty() ? "(array)" : base, "array"};
  if (type == "regexp") return {"RegExp", "object"};
  if (type == "closure") return {(base.empty() ? "(anonymous)" : base) + "()", "closure"};
  if (is_window_name(base)) {
    const bool global = base != "Window";
    const int state = window_document_state(g, n);
    if (state == 2) {
      return {global ? "Window global object (detached)" : "Window (detached)", "detached_window"};
    }
    return {global ? "Window global object" : "Window", global ? "object" : "native"};
  }
  if (type == "native") {
    const bool detached = g.detachedness[n] == 2;
    if (is_document_name(base)) {
      return detached ? NodeLabel{base + " (detached)", "detached_document"}
                      : NodeLabel{base, "native"};
    }
    std::string shown = base;
    if (starts_with(base, "<")) {  // Blink names elements by their start tag: keep the tag only
      const auto end = base.find_first_of(" >");
      shown = base.substr(0, end) + ">";
    }
    if (starts_with(shown, "Detached ")) return {shown, "detached_dom"};
    if (detached) return {"Detached " + shown, "detached_dom"};
    return {shown, "native"};
  }
  return {base.empty() ? "(anonymous object)" : base, "object"};
}

NodeLabel label_node(const HeapGraph& g, std::size_t n) {
  NodeLabel label = label_node_full(g, n);
  // Blink's C++ names carry their template arguments (hundreds of characters): keep the class.
  const auto angle = label.name.find('<');
  if (angle != std::string::npos && angle > 0 && label.name.find("::") < angle) {
    label.name = label.name.substr(0, angle) + "<...>";
  }
  return label;
}

GrowthResult analyze_heap_growth(const std::vector<SnapshotIds>& earlier, const HeapGraph& g,
                                 int last_iteration, const GrowthOptions& options) {
  if (earlier.size() < 2) {
    throw InputError("growth needs three snapshots or more: a baseline, one or more in the "
                     "middle and the last (a single diff cannot tell a leak from an object "
                     "allocated once and kept)");
  }
  std::vector<int> iterations;
  for (const auto& s : earlier) iterations.push_back(s.iteration);
  iterations.push_back(last_iteration);
  for (std::size_t i = 1; i < iterations.size(); ++i) {
    if (iterations[i] <= iterations[i - 1]) {
      throw InputError(fmt::format("the snapshots' iterations must increase: {}",
                                   fmt::join(iterations, ", ")));
    }
  }
  const std::size_t intervals = earlier.size();  // between consecutive snapshots
  auto has = [](const std::vector<std::uint32_t>& ids, std::uint32_t id) {
    return std::binary_search(ids.begin(), ids.end(), id);
  };

  std::unordered_map<std::string, std::size_t> index;
  std::vector<Group> groups;
  std::vector<std::int32_t> group_of(g.node_count(), -1);
  for (std::size_t n = 0; n < g.node_count(); ++n) {
    const auto id = g.id[n];
    if (has(earlier[0].ids, id)) continue;
    std::size_t interval = intervals;  // born after the last earlier snapshot
    for (std::size_t j = 1; j < earlier.size(); ++j) {
      if (has(earlier[j].ids, id)) {
        interval = j;
        break;
      }
    }
    if (g.node_type(n) == "synthetic") continue;
    auto label = label_node_full(g, n);  // grouped by the full name, shown shortened
    auto [it, added] = index.emplace(label.name, groups.size());
    if (added) {
      groups.push_back(Group{std::move(label), std::vector<std::uint64_t>(intervals, 0), 0, {}});
    }
    Group& group = groups[it->second];
    group.born[interval - 1] += 1;
    group.self += g.self_size[n];
    group.members.push_back(static_cast<std::uint32_t>(n));
    group_of[n] = static_cast<std::int32_t>(it->second);
  }

  const double span = iterations.back() - iterations.front();
  std::vector<std::uint8_t> passing(groups.size(), 0);
  std::vector<std::uint8_t> eligible(groups.size(), 0);  // growing, and may own (may_own)
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const Group& group = groups[i];
    double slowest = std::numeric_limits<double>::infinity();
    double fastest = 0;
    for (std::size_t j = 0; j < intervals; ++j) {
      const double rate = group.born[j] / double(iterations[j + 1] - iterations[j]);
      slowest = std::min(slowest, rate);
      fastest = std::max(fastest, rate);
    }
    passing[i] = slowest >= options.min_per_iteration && fastest <= options.max_rate_ratio * slowest;
    eligible[i] = passing[i] && may_own(group.label);
  }

  GrowthResult result;
  result.noise_floor = fmt::format(
      "objects new since the baseline snapshot (iteration {}), grouped by what they are; a group "
      "grows when every interval between the snapshots (iterations {}) added >= {:g} per "
      "iteration and the fastest interval at most {:g}x the slowest; a leak root is reported "
      "when the new objects it holds grow by >= {} per iteration",
      iterations.front(), fmt::join(iterations, ", "), options.min_per_iteration,
      options.max_rate_ratio, format_bytes(options.min_bytes_per_iteration));

  // Which growing group holds each node: the first new member of a growing group on the
  // node's shortest path from the page (BFS order visits parents first).
  const Paths paths = shortest_paths(g);
  std::vector<std::int32_t> owner(g.node_count(), -1);
  for (auto node : paths.order) {
    const auto parent = paths.parent_node[node];
    if (parent != kNone && owner[parent] >= 0) {
      owner[node] = owner[parent];
    } else if (group_of[node] >= 0 && eligible[group_of[node]]) {
      owner[node] = group_of[node];
    }
  }
  // A growing group sits inside the group that holds most of its members; the others are roots.
  std::vector<std::int32_t> inside(groups.size(), -1);
  std::vector<double> owned(groups.size(), 0);
  for (std::size_t n = 0; n < g.node_count(); ++n) {
    if (group_of[n] >= 0 && owner[n] >= 0) owned[owner[n]] += static_cast<double>(g.self_size[n]);
  }
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (!passing[i]) continue;
    std::unordered_map<std::int32_t, std::size_t> votes;
    for (auto m : groups[i].members) ++votes[owner[m]];
    std::int32_t best = static_cast<std::int32_t>(i);
    std::size_t most = 0;
    for (const auto& [o, count] : votes) {
      if (count > most || (count == most && o == static_cast<std::int32_t>(i))) {
        best = o;
        most = count;
      }
    }
    if (best >= 0 && best != static_cast<std::int32_t>(i)) inside[i] = best;
  }

  auto rate_of = [&](std::size_t i) { return groups[i].members.size() / span; };
  std::vector<std::size_t> roots;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (eligible[i] && inside[i] < 0 && owned[i] / span >= options.min_bytes_per_iteration) {
      roots.push_back(i);
    }
  }
  std::sort(roots.begin(), roots.end(), [&](std::size_t a, std::size_t b) {
    if (owned[a] != owned[b]) return owned[a] > owned[b];
    return groups[a].label.name < groups[b].label.name;
  });
  if (roots.size() > options.max_groups) roots.resize(options.max_groups);
  if (roots.empty()) return result;

  const Dominators dom = dominators(g);
  std::vector<std::uint8_t> covered(g.node_count(), 0);
  for (auto gi : roots) {
    const Group& group = groups[gi];
    GrowthGroup out;
    out.name = label_node(g, group.members.front()).name;
    out.kind = group.label.kind;
    out.new_count = group.members.size();
    out.count_per_iteration = rate_of(gi);
    out.first_per_iteration = group.born.front() / double(iterations[1] - iterations[0]);
    out.second_per_iteration =
        group.born.back() / double(iterations.back() - iterations[iterations.size() - 2]);
    out.self_bytes_per_iteration = group.self / span;
    out.growth_bytes_per_iteration = owned[gi] / span;
    // Retained: the self sizes of everything a new member dominates, each node once.
    std::uint64_t retained = 0;
    for (auto node : dom.preorder) {
      const auto up = dom.idom[node];
      covered[node] = group_of[node] == static_cast<std::int32_t>(gi) || (up != kNone && covered[up]);
      if (covered[node]) retained += g.self_size[node];
    }
    out.retained_bytes_per_iteration = retained / span;
    std::vector<std::size_t> inner;
    for (std::size_t i = 0; i < groups.size(); ++i) {
      if (inside[i] == static_cast<std::int32_t>(gi) && eligible[i]) inner.push_back(i);
    }
    std::sort(inner.begin(), inner.end(),
              [&](std::size_t a, std::size_t b) { return groups[a].self > groups[b].self; });
    if (inner.size() > kMaxContains) inner.resize(kMaxContains);
    for (auto i : inner) {
      out.contains.push_back(
          fmt::format("{} +{:.3g}/it", label_node(g, groups[i].members.front()).name, rate_of(i)));
    }

    // The path to the member nearest to the page's window among those it holds itself.
    std::uint32_t best = kNone;
    for (auto m : group.members) {
      if (paths.depth[m] == kNone || owner[m] != static_cast<std::int32_t>(gi)) continue;
      if (best == kNone || paths.from_window[m] > paths.from_window[best] ||
          (paths.from_window[m] == paths.from_window[best] && paths.depth[m] < paths.depth[best])) {
        best = m;
      }
    }
    if (best != kNone) {
      std::vector<std::uint32_t> chain;  // from the root to the object
      for (auto n = best; n != kNone; n = paths.parent_node[n]) chain.push_back(n);
      std::reverse(chain.begin(), chain.end());
      for (std::size_t i = 0; i < chain.size(); ++i) {
        RetainerStep step;
        step.node = label_node(g, chain[i]).name;
        if (i == 0 && paths.from_window[chain[i]]) step.node = "Window (global)";
        if (i + 1 < chain.size()) step.edge = edge_text(g, paths.parent_edge[chain[i + 1]]);
        out.path.push_back(std::move(step));
      }
      out.holder = holder_of(g, paths, chain);
    }
    result.groups.push_back(std::move(out));
  }
  return result;
}

}  // namespace harness
