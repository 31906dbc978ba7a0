// Leak attribution on heap snapshots written here in V8's format: a page whose window keeps
// records in an array (a leak), a cache filled once (a one-off) and objects that die (churn).
// The real thing on Chromium's snapshots is tests/integration/attribution_chromium_test.cpp.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../remove_at_end.hpp"
#include "harness/attribute/attribution.hpp"
#include "harness/attribute/heap_growth.hpp"
#include "harness/attribute/heap_snapshot.hpp"
#include "harness/error.hpp"
#include "harness/store/summary_json.hpp"

namespace harness {
namespace {

using nlohmann::json;
using ordered = nlohmann::ordered_json;

// A heap graph to write as a .heapsnapshot: nodes by name, edges by node index.
struct Node {
  std::string type, name;
  std::uint32_t id;
  std::uint64_t size;
  int detached = 0;
  std::vector<std::tuple<std::string, std::string, std::size_t>> edges;  // type, name, to
};

const std::vector<std::string> kNodeTypes = {"hidden", "array", "string", "object", "code",
                                             "closure", "regexp", "number", "native", "synthetic",
                                             "concatenated string", "sliced string", "symbol",
                                             "bigint", "object shape"};
const std::vector<std::string> kEdgeTypes = {"context", "element", "property", "internal",
                                             "hidden", "shortcut", "weak"};

std::string snapshot_text(const std::vector<Node>& nodes) {
  json strings = json::array({""});
  auto intern = [&](const std::string& s) {
    for (std::size_t i = 0; i < strings.size(); ++i) {
      if (strings[i] == s) return i;
    }
    strings.push_back(s);
    return strings.size() - 1;
  };
  auto index_of = [](const std::vector<std::string>& list, const std::string& s) {
    return static_cast<std::size_t>(std::find(list.begin(), list.end(), s) - list.begin());
  };
  json flat_nodes = json::array();
  json flat_edges = json::array();
  for (const auto& n : nodes) {
    flat_nodes.insert(flat_nodes.end(), {index_of(kNodeTypes, n.type), intern(n.name), n.id,
                                         n.size, n.edges.size(), n.detached});
    for (const auto& [type, name, to] : n.edges) {
      const bool indexed = type == "element" || type == "hidden";
      flat_edges.insert(flat_edges.end(),
                        {index_of(kEdgeTypes, type),
                         indexed ? static_cast<std::size_t>(std::stoul(name)) : intern(name),
                         to * 6});
    }
  }
  ordered meta = {{"node_fields", {"type", "name", "id", "self_size", "edge_count", "detachedness"}},
               {"node_types", {kNodeTypes, "string", "number", "number", "number", "number"}},
               {"edge_fields", {"type", "name_or_index", "to_node"}},
               {"edge_types", {kEdgeTypes, "string_or_number", "node"}}};
  // V8 writes the snapshot's meta first; the reader needs it before the nodes.
  ordered snapshot = {{"snapshot", {{"meta", meta}, {"node_count", nodes.size()}}},
                   {"nodes", flat_nodes},
                   {"edges", flat_edges},
                   {"trace_function_infos", json::array()},
                   {"samples", json::array()},
                   {"strings", strings}};
  return snapshot.dump();
}

// The page after `iteration` iterations: root -> (GC roots); the page's live window -> its
// document and global object -> `kept` (an Array) -> one Record per iteration (each with a
// 100-character memo string), `cache` -> one Cache object made in iteration 1; plus, in a
// snapshot taken while an iteration's temporary objects live, `temporary` Temp objects the
// next GC frees (ids that no later snapshot has).
std::vector<Node> page(int iteration, bool leak, int temporary = 0) {
  std::vector<Node> nodes;
  nodes.push_back({"synthetic", "", 1, 0, 0, {{"element", "1", 1}, {"shortcut", "w", 2}}});
  nodes.push_back({"synthetic", "(GC roots)", 3, 0, 0, {}});
  nodes.push_back({"native", "Window / http://127.0.0.1/page.html", 5, 100, 0,
                   {{"element", "5", 3}, {"shortcut", "global_object", 4}}});
  nodes.push_back({"native", "HTMLDocument", 7, 200, 1, {}});
  nodes.push_back({"object", "Window [JSGlobalObject] / http://127.0.0.1/page.html", 9, 50, 0,
                   {{"property", "kept", 5}, {"property", "cache", 6}}});
  nodes.push_back({"object", "Array", 11, 32, 0, {}});
  nodes.push_back({"object", "Object", 13, 24, 0, {}});
  if (iteration >= 1) {
    nodes.push_back({"object", "Cache", 15, 4096, 0, {}});
    nodes[6].edges.push_back({"property", "entry", nodes.size() - 1});
  }
  const int records = leak ? iteration : 0;
  for (int i = 1; i <= records; ++i) {
    const std::size_t record = nodes.size();
    nodes[5].edges.push_back({"element", std::to_string(i - 1), record});
    nodes.push_back({"object", "Record", static_cast<std::uint32_t>(1000 + 2 * i), 40, 0,
                     {{"property", "memo", record + 1}}});
    nodes.push_back({"string", "memo " + std::to_string(i), static_cast<std::uint32_t>(5001 + 2 * i),
                     128, 0, {}});
  }
  for (int t = 0; t < temporary; ++t) {
    nodes.push_back({"object", "Temp", static_cast<std::uint32_t>(90001 + 2 * (iteration * 100 + t)),
                     64, 0, {}});
    nodes[4].edges.push_back({"property", "tmp" + std::to_string(t), nodes.size() - 1});
  }
  return nodes;
}

std::filesystem::path write(const std::filesystem::path& dir, const std::string& name,
                            const std::string& text) {
  std::filesystem::create_directories(dir);
  const auto file = dir / name;
  std::ofstream(file, std::ios::binary) << text;
  return file;
}

struct HeapGrowth : ::testing::Test {
  harness::testing::RemoveAtEnd scratch{
      std::filesystem::temp_directory_path() /
      ("heap_growth_test_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()))};
};

TEST(HeapSnapshot, BothReadersKeepTheColumnsAndUnescapeStrings) {
  auto nodes = page(2, true);
  nodes[6].name = "caf\u00e9 \"quoted\" \xF0\x9F\x98\x80";  // UTF-8 from json's escapes
  const std::string text = snapshot_text(nodes);
  for (auto parser : {HeapSnapshotParser::kStream, HeapSnapshotParser::kNlohmannSax}) {
    const HeapGraph g = parse_heap_graph(text, parser);
    ASSERT_EQ(g.node_count(), nodes.size());
    EXPECT_EQ(g.first_edge.back(), g.edge_count());
    EXPECT_EQ(g.node_type(2), "native");
    EXPECT_EQ(g.node_name(6), nodes[6].name);
    EXPECT_EQ(g.id[5], 11u);
    EXPECT_EQ(g.self_size[7], 4096u);
    EXPECT_EQ(g.detachedness[3], 1);
    // Window's edges: [5] to the document, the shortcut to the global object.
    ASSERT_EQ(g.first_edge[3] - g.first_edge[2], 2u);
    EXPECT_EQ(g.edge_to[g.first_edge[2]], 3u);
    EXPECT_TRUE(g.edge_has_index(g.first_edge[2]));
    EXPECT_EQ(g.strings[g.edge_name[g.first_edge[2] + 1]], "global_object");
  }
  // \u escapes as V8 writes them, a surrogate pair among them.
  std::string escaped = text;
  const auto at = escaped.find("Cache");
  escaped.replace(at, 5, "C\\u00e9\\ud83d\\ude00\\n");
  EXPECT_EQ(parse_heap_graph(escaped).node_name(7), "C\u00e9\xF0\x9F\x98\x80\n");
}

// The reader takes the text 1 MiB at a time: strings, numbers and escapes that straddle a
// boundary come out whole.
TEST(HeapSnapshot, TextAcrossTheReadersBufferBoundariesComesOutWhole) {
  auto nodes = page(3, true);
  for (std::size_t i = 0; i < 40; ++i) {
    // Names of 100,003 characters with escapes inside: some straddle a 1 MiB boundary.
    nodes[8 + i % 6].name = std::string(50000, 'a' + char(i % 26)) + "\"\n\u00e9" + std::string(50000, 'z');
    nodes.push_back({"object", nodes[8 + i % 6].name, static_cast<std::uint32_t>(70001 + 2 * i), 1, 0, {}});
  }
  const std::string text = snapshot_text(nodes);
  ASSERT_GT(text.size(), 2u << 20);  // two boundaries at least
  const HeapGraph stream = parse_heap_graph(text, HeapSnapshotParser::kStream);
  const HeapGraph sax = parse_heap_graph(text, HeapSnapshotParser::kNlohmannSax);
  ASSERT_EQ(stream.node_count(), nodes.size());
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    ASSERT_EQ(stream.node_name(n), nodes[n].name) << n;
    ASSERT_EQ(stream.id[n], sax.id[n]);
  }
  EXPECT_EQ(stream.strings, sax.strings);
  EXPECT_EQ(stream.edge_to, sax.edge_to);
}

TEST(HeapSnapshot, MalformedFilesNameWhereTheyBreak) {
  const std::string text = snapshot_text(page(1, true));
  auto message = [](const std::string& t) {
    try {
      parse_heap_graph(t);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(text.substr(0, text.size() / 2)).find("not a readable heap snapshot"),
            std::string::npos);
  EXPECT_NE(message(text.substr(0, 40) + "}").find("at byte"), std::string::npos);
  EXPECT_NE(message("{\"nodes\": [1, 2]}").find("snapshot.meta"), std::string::npos);
  EXPECT_NE(message("[1, 2, 3]").find("no snapshot.meta"), std::string::npos);
  std::string broken_edge = text;
  broken_edge.replace(broken_edge.find("\"edges\":[") + 9, 0, "1,");
  EXPECT_NE(message(broken_edge).find("edge"), std::string::npos);
}

TEST_F(HeapGrowth, ALeakInAnArrayIsTheOnlyRootAndItsPathNamesTheArray) {
  // Snapshots at iterations 0, 10, 20; the middle one while 30 temporaries live.
  const auto s0 = write(scratch.dir, "s0.heapsnapshot", snapshot_text(page(0, true)));
  const auto s1 = write(scratch.dir, "s1.heapsnapshot", snapshot_text(page(10, true, 30)));
  const auto s2 = write(scratch.dir, "s2.heapsnapshot", snapshot_text(page(20, true)));
  std::vector<SnapshotIds> earlier{{0, read_heap_snapshot_ids(s0)}, {10, read_heap_snapshot_ids(s1)}};
  EXPECT_TRUE(std::is_sorted(earlier[1].ids.begin(), earlier[1].ids.end()));
  const HeapGraph last = read_heap_graph(s2);
  GrowthOptions options;
  options.min_bytes_per_iteration = 100;
  const auto result = analyze_heap_growth(earlier, last, 20, options);
  ASSERT_EQ(result.groups.size(), 1u) << "the one-off Cache and the dead Temps are not growth";
  const GrowthGroup& g = result.groups[0];
  EXPECT_EQ(g.name, "Record");
  EXPECT_EQ(g.kind, "object");
  EXPECT_DOUBLE_EQ(g.count_per_iteration, 1.0);
  EXPECT_DOUBLE_EQ(g.first_per_iteration, 1.0);
  EXPECT_DOUBLE_EQ(g.second_per_iteration, 1.0);
  EXPECT_EQ(g.new_count, 20u);
  EXPECT_DOUBLE_EQ(g.self_bytes_per_iteration, 40.0);
  EXPECT_DOUBLE_EQ(g.growth_bytes_per_iteration, 168.0) << "the records and their memo strings";
  EXPECT_DOUBLE_EQ(g.retained_bytes_per_iteration, 168.0);
  EXPECT_EQ(g.holder, "kept (Array)");
  ASSERT_EQ(g.path.size(), 4u);
  EXPECT_EQ(g.path[0].node, "Window (global)");
  EXPECT_EQ(g.path[1].node, "Window global object");
  EXPECT_EQ(g.path[1].edge, ".kept");
  EXPECT_EQ(g.path[2].node, "Array");
  EXPECT_EQ(g.path[3].node, "Record");
  EXPECT_TRUE(g.path[3].edge.empty());
  // (string) grows too, but inside the records: not a root of its own.
  EXPECT_NE(result.noise_floor.find("0, 10, 20"), std::string::npos);
}

TEST_F(HeapGrowth, NoLeakNoGroupAndTheFloorHidesSmallGrowth) {
  const auto s0 = write(scratch.dir, "s0.heapsnapshot", snapshot_text(page(0, false)));
  const auto s1 = write(scratch.dir, "s1.heapsnapshot", snapshot_text(page(10, false, 5)));
  const auto s2 = write(scratch.dir, "s2.heapsnapshot", snapshot_text(page(20, false)));
  std::vector<SnapshotIds> earlier{{0, read_heap_snapshot_ids(s0)}, {10, read_heap_snapshot_ids(s1)}};
  EXPECT_TRUE(analyze_heap_growth(earlier, read_heap_graph(s2), 20).groups.empty());
  // The leak's 168 B/iteration is under the default floor of 1 KiB/iteration.
  const auto l0 = write(scratch.dir, "l0.heapsnapshot", snapshot_text(page(0, true)));
  const auto l1 = write(scratch.dir, "l1.heapsnapshot", snapshot_text(page(10, true)));
  const auto l2 = write(scratch.dir, "l2.heapsnapshot", snapshot_text(page(20, true)));
  std::vector<SnapshotIds> leak{{0, read_heap_snapshot_ids(l0)}, {10, read_heap_snapshot_ids(l1)}};
  EXPECT_TRUE(analyze_heap_growth(leak, read_heap_graph(l2), 20).groups.empty());
  // Iterations must increase; two snapshots are not enough.
  EXPECT_THROW(analyze_heap_growth(leak, read_heap_graph(l2), 10), InputError);
  EXPECT_THROW(analyze_heap_growth({leak[0]}, read_heap_graph(l2), 20), InputError);
}

TEST_F(HeapGrowth, TheRunsAttributionReadsItsThreeSnapshots) {
  write(scratch.dir / "attribution", "a.heapsnapshot", snapshot_text(page(0, true)));
  write(scratch.dir / "attribution", "b.heapsnapshot", snapshot_text(page(10, true)));
  write(scratch.dir / "attribution", "c.heapsnapshot", snapshot_text(page(20, true)));
  Attribution a;
  a.snapshots = {{0, "attribution/a.heapsnapshot", 1, 0},
                 {10, "attribution/b.heapsnapshot", 1, 0},
                 {20, "attribution/c.heapsnapshot", 1, 0}};
  GrowthOptions options;
  options.min_bytes_per_iteration = 100;
  std::vector<std::string> progress;
  attribute_heap_snapshots(a, scratch.dir, options,
                           [&](const std::string& what) { progress.push_back(what); });
  EXPECT_EQ(a.method, "heap_snapshots");
  ASSERT_EQ(a.groups.size(), 1u);
  EXPECT_EQ(a.snapshots[2].nodes, 48u);  // 7 nodes of the page, the cache, 20 records and memos
  EXPECT_EQ(progress.size(), 4u);
  const auto lines = attribution_console_lines(a);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("Record +1/it"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("held by kept (Array)"), std::string::npos) << lines[1];

  // summary.json keeps all of it.
  const Attribution back = attribution_from_json(json(attribution_to_json(a)));
  ASSERT_EQ(back.groups.size(), 1u);
  EXPECT_EQ(back.groups[0].holder, "kept (Array)");
  EXPECT_EQ(back.groups[0].path.size(), a.groups[0].path.size());
  EXPECT_EQ(back.snapshots[1].file, "attribution/b.heapsnapshot");

  Attribution missing;
  missing.snapshots = {{0, "attribution/a.heapsnapshot", 1, 0}};
  EXPECT_THROW(attribute_heap_snapshots(missing, scratch.dir), InputError);
}

TEST(NodeLabels, DetachedWindowsDocumentsAndDomTreesAreNamedAsSuch) {
  std::vector<Node> nodes;
  nodes.push_back({"synthetic", "", 1, 0, 0, {}});
  nodes.push_back({"native", "Window", 3, 10, 0, {{"element", "5", 2}}});
  nodes.push_back({"native", "HTMLDocument", 5, 10, 2, {}});
  nodes.push_back({"native", "<div class=\"field\">", 7, 10, 2, {}});
  nodes.push_back({"native", "<td>", 9, 10, 1, {}});
  nodes.push_back({"native", "blink::HeapVectorBacking<cppgc::Member<X>>", 11, 10, 0, {}});
  nodes.push_back({"closure", "onClick", 13, 10, 0, {}});
  nodes.push_back({"concatenated string", "abc", 15, 10, 0, {}});
  const HeapGraph g = parse_heap_graph(snapshot_text(nodes));
  EXPECT_EQ(label_node(g, 1).name, "Window (detached)");
  EXPECT_EQ(label_node(g, 1).kind, "detached_window");
  EXPECT_EQ(label_node(g, 2).name, "HTMLDocument (detached)");
  EXPECT_EQ(label_node(g, 3).name, "Detached <div>");
  EXPECT_EQ(label_node(g, 3).kind, "detached_dom");
  EXPECT_EQ(label_node(g, 4).name, "<td>");
  EXPECT_EQ(label_node(g, 5).name, "blink::HeapVectorBacking<...>");
  EXPECT_EQ(label_node(g, 6).name, "onClick()");
  EXPECT_EQ(label_node(g, 7).name, "(string)");
}

TEST(FrameDomGrowth, TheFramesWhoseDocumentGrewLargestFirst) {
  std::vector<FrameDomCheckpoint> checkpoints = {
      {0, {{"top", "http://h/app.html", 100}, {"top/0", "http://h/list.html?n=1", 50},
           {"top/1", "http://other/x", -1}}},
      {10, {{"top", "http://h/app.html", 100}, {"top/0", "http://h/list.html?n=2", 250}}},
      {20, {{"top", "http://h/app.html", 120}, {"top/0", "http://h/list.html?n=3", 450}}}};
  const auto grown = frame_dom_growth(checkpoints);
  ASSERT_EQ(grown.size(), 2u);
  EXPECT_EQ(grown[0].frame, "top/0");
  EXPECT_EQ(grown[0].url, "http://h/list.html");
  EXPECT_DOUBLE_EQ(grown[0].per_iteration, 20.0);
  EXPECT_EQ(grown[1].frame, "top");
  EXPECT_DOUBLE_EQ(grown[1].per_iteration, 1.0);
  const auto counts = parse_frame_dom_counts(
      R"([{"frame":"top","url":"http://h/","elements":12},{"frame":"top/0","url":"","elements":-1}])");
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[1].elements, -1);
  EXPECT_THROW(parse_frame_dom_counts("not json"), std::runtime_error);
}

}  // namespace
}  // namespace harness
