// A V8 heap snapshot (.heapsnapshot, the file DevTools' HeapProfiler.takeHeapSnapshot writes),
// read as a stream (issue 16 "bounded cost").
//
// The file is one JSON object: `snapshot.meta` names the fields, then `nodes` and `edges` are
// flat arrays of integers (node_fields / edge_fields per entry) and `strings` the names they
// index. A snapshot of a busy page is hundreds of MB; a JSON DOM of it (nlohmann::json) costs
// ~10x the file in memory. Here a SAX handler keeps only compact columns: 4 bytes per integer
// field we use (8 for self sizes), the strings once; the trace, sample, location and scope
// sections are skipped. The text reaches it through a streaming reader of our own (1 MiB at a
// time) or nlohmann's SAX parser; bench/attribution_bench.cpp measures both and a DOM parse.
//
// What the growth analysis needs from the earlier snapshots is only which object ids they
// hold: HeapSnapshotIds reads just that (the ids column), and HeapGraph the whole graph.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace harness {

// The whole graph of one snapshot, as columns. Node i's edges are
// [first_edge[i], first_edge[i+1]); an edge's `to` is a node index (not the file's offset).
struct HeapGraph {
  std::vector<std::string> node_types;  // "hidden", "array", "string", "object", ...
  std::vector<std::string> edge_types;  // "context", "element", "property", ...
  std::vector<std::string> strings;

  std::vector<std::uint8_t> type;
  std::vector<std::uint32_t> name;  // index into strings
  std::vector<std::uint32_t> id;
  std::vector<std::uint64_t> self_size;
  std::vector<std::uint8_t> detachedness;  // 0 unknown, 1 attached, 2 detached (Chromium >= 90)
  std::vector<std::uint32_t> first_edge;   // node count + 1 entries

  std::vector<std::uint8_t> edge_type;
  std::vector<std::uint32_t> edge_name;  // a string index, or an element index for element/hidden
  std::vector<std::uint32_t> edge_to;

  std::size_t node_count() const { return type.size(); }
  std::size_t edge_count() const { return edge_type.size(); }
  const std::string& node_type(std::size_t n) const { return node_types[type[n]]; }
  const std::string& node_name(std::size_t n) const { return strings[name[n]]; }
  const std::string& type_of_edge(std::size_t e) const { return edge_types[edge_type[e]]; }
  // Element and hidden edges carry an index, the others a string.
  bool edge_has_index(std::size_t e) const;
};

// How the text is read: the harness's own streaming reader (the default), or nlohmann's SAX
// parser (kept for the benchmark's comparison; same handler, same result).
enum class HeapSnapshotParser { kStream, kNlohmannSax };

// Reads the whole graph. Throws InputError naming the file and the byte offset on a malformed
// or truncated file, or one that is not a heap snapshot.
HeapGraph read_heap_graph(const std::filesystem::path& file,
                          HeapSnapshotParser parser = HeapSnapshotParser::kStream);

// Reads only the node ids, sorted (for membership tests).
std::vector<std::uint32_t> read_heap_snapshot_ids(
    const std::filesystem::path& file, HeapSnapshotParser parser = HeapSnapshotParser::kStream);

// The same from text in memory (tests).
HeapGraph parse_heap_graph(const std::string& text,
                           HeapSnapshotParser parser = HeapSnapshotParser::kStream);

}  // namespace harness
