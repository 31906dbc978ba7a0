#include "harness/attribute/heap_snapshot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/error.hpp"

namespace harness {
namespace {

using nlohmann::json;

// The SAX handler: one pass over the file, keeping the columns we use. The meta object (a few
// hundred bytes) is built as a small json value; everything else goes straight to the columns.
class SnapshotHandler : public nlohmann::json_sax<json> {
 public:
  SnapshotHandler(HeapGraph& graph, bool ids_only) : g_(graph), ids_only_(ids_only) {}

  bool null() override { return value(json()); }
  bool boolean(bool v) override { return value(json(v)); }
  bool number_integer(number_integer_t v) override {
    if (section_ == Section::kNodes || section_ == Section::kEdges) {
      return fail("a negative number in the " + section_name());
    }
    return value(json(v));
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (depth_ == 2 && section_ == Section::kNodes) return node_field(v);
    if (depth_ == 2 && section_ == Section::kEdges) return edge_field(v);
    return value(json(v));
  }
  bool number_float(number_float_t v, const string_t&) override {
    if (section_ == Section::kNodes || section_ == Section::kEdges) {
      return fail("a fraction in the " + section_name());
    }
    return value(json(v));
  }
  bool string(string_t& v) override {
    if (depth_ == 2 && section_ == Section::kStrings) {
      if (!ids_only_) g_.strings.push_back(std::move(v));
      return true;
    }
    return value(json(std::move(v)));
  }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return open(json::object()); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    if (depth_ == 1) {
      top_key_ = k;
      return true;
    }
    if (depth_ == 2 && top_key_ == "snapshot") {
      snapshot_key_ = k;
      return true;
    }
    if (!builder_.empty()) pending_key_ = k;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    error_ = fmt::format("at byte {}: {}", position, e.what());
    return false;
  }

  const std::string& error() const { return error_; }
  void finish() {
    if (!have_meta_) throw std::runtime_error("no snapshot.meta: not a V8 heap snapshot");
    if (field_ != 0) throw std::runtime_error("the nodes array ends inside a node");
    if (edge_field_ != 0) throw std::runtime_error("the edges array ends inside an edge");
    if (ids_only_) return;
    // first_edge held each node's edge count: make it the running sum.
    std::uint64_t sum = 0;
    for (auto& e : g_.first_edge) {
      const std::uint64_t count = e;
      e = static_cast<std::uint32_t>(sum);
      sum += count;
    }
    g_.first_edge.push_back(static_cast<std::uint32_t>(sum));
    if (sum != g_.edge_type.size()) {
      throw std::runtime_error(fmt::format("the nodes declare {} edges, the edges array has {}",
                                           sum, g_.edge_type.size()));
    }
    for (auto to : g_.edge_to) {
      if (to >= g_.type.size()) throw std::runtime_error("an edge points past the last node");
    }
    for (auto n : g_.name) {
      if (n >= g_.strings.size()) throw std::runtime_error("a node name past the strings");
    }
  }

 private:
  enum class Section { kOther, kNodes, kEdges, kStrings };

  std::string section_name() const {
    return section_ == Section::kNodes ? "nodes array" : "edges array";
  }
  bool fail(const std::string& what) {
    error_ = what;
    return false;
  }

  bool open(json container) {
    ++depth_;
    if (depth_ == 2 && container.is_array()) {
      section_ = top_key_ == "nodes"     ? Section::kNodes
                 : top_key_ == "edges"   ? Section::kEdges
                 : top_key_ == "strings" ? Section::kStrings
                                         : Section::kOther;
      if (section_ == Section::kNodes && !have_meta_) {
        return fail("the nodes come before snapshot.meta");
      }
      if (section_ == Section::kEdges && !have_meta_) {
        return fail("the edges come before snapshot.meta");
      }
      return true;
    }
    if (depth_ == 3 && top_key_ == "snapshot" && snapshot_key_ == "meta" && builder_.empty()) {
      meta_ = std::move(container);
      builder_.push_back(&meta_);
      return true;
    }
    if (!builder_.empty()) {
      json* parent = builder_.back();
      json* child = nullptr;
      if (parent->is_array()) {
        parent->push_back(std::move(container));
        child = &parent->back();
      } else {
        child = &((*parent)[pending_key_] = std::move(container));
      }
      builder_.push_back(child);
    }
    return true;
  }
  bool close() {
    if (!builder_.empty()) {
      builder_.pop_back();
      if (builder_.empty()) {
        if (!read_meta()) return false;
      }
    }
    if (depth_ == 2) section_ = Section::kOther;
    --depth_;
    return true;
  }
  bool value(json v) {
    if (builder_.empty()) return true;  // a section we skip
    json* parent = builder_.back();
    if (parent->is_array()) parent->push_back(std::move(v));
    else (*parent)[pending_key_] = std::move(v);
    return true;
  }

  bool read_meta() {
    try {
      const auto node_fields = meta_.at("node_fields").get<std::vector<std::string>>();
      const auto edge_fields = meta_.at("edge_fields").get<std::vector<std::string>>();
      g_.node_types = meta_.at("node_types").at(0).get<std::vector<std::string>>();
      g_.edge_types = meta_.at("edge_types").at(0).get<std::vector<std::string>>();
      auto index = [](const std::vector<std::string>& fields, const char* name) {
        auto it = std::find(fields.begin(), fields.end(), name);
        return it == fields.end() ? -1 : static_cast<int>(it - fields.begin());
      };
      node_field_count_ = node_fields.size();
      edge_field_count_ = edge_fields.size();
      f_type_ = index(node_fields, "type");
      f_name_ = index(node_fields, "name");
      f_id_ = index(node_fields, "id");
      f_size_ = index(node_fields, "self_size");
      f_edges_ = index(node_fields, "edge_count");
      f_detached_ = index(node_fields, "detachedness");
      e_type_ = index(edge_fields, "type");
      e_name_ = index(edge_fields, "name_or_index");
      e_to_ = index(edge_fields, "to_node");
      if (f_type_ < 0 || f_name_ < 0 || f_id_ < 0 || f_size_ < 0 || f_edges_ < 0 || e_type_ < 0 ||
          e_name_ < 0 || e_to_ < 0) {
        return fail("snapshot.meta lacks one of the node fields type, name, id, self_size, "
                    "edge_count or the edge fields type, name_or_index, to_node");
      }
    } catch (const json::exception& e) {
      return fail(fmt::format("snapshot.meta is not what V8 writes: {}", e.what()));
    }
    have_meta_ = true;
    return true;
  }

  bool node_field(std::uint64_t v) {
    const int f = static_cast<int>(field_);
    if (f == f_id_) g_.id.push_back(static_cast<std::uint32_t>(v));
    if (!ids_only_) {
      if (f == f_type_) {
        if (v >= g_.node_types.size()) return fail(fmt::format("node type {} is unknown", v));
        g_.type.push_back(static_cast<std::uint8_t>(v));
      } else if (f == f_name_) {
        g_.name.push_back(static_cast<std::uint32_t>(v));
      } else if (f == f_size_) {
        g_.self_size.push_back(v);
      } else if (f == f_edges_) {
        g_.first_edge.push_back(static_cast<std::uint32_t>(v));
      } else if (f == f_detached_) {
        g_.detachedness.push_back(static_cast<std::uint8_t>(v));
      }
    }
    if (++field_ == node_field_count_) {
      field_ = 0;
      if (!ids_only_ && f_detached_ < 0) g_.detachedness.push_back(0);
    }
    return true;
  }

  bool edge_field(std::uint64_t v) {
    if (!ids_only_) {
      const int f = static_cast<int>(edge_field_);
      if (f == e_type_) {
        if (v >= g_.edge_types.size()) return fail(fmt::format("edge type {} is unknown", v));
        g_.edge_type.push_back(static_cast<std::uint8_t>(v));
      } else if (f == e_name_) {
        g_.edge_name.push_back(static_cast<std::uint32_t>(v));
      } else if (f == e_to_) {
        if (v % node_field_count_ != 0) {
          return fail(fmt::format("an edge points to offset {}, not the start of a node", v));
        }
        g_.edge_to.push_back(static_cast<std::uint32_t>(v / node_field_count_));
      }
    }
    if (++edge_field_ == edge_field_count_) edge_field_ = 0;
    return true;
  }

  HeapGraph& g_;
  bool ids_only_;
  int depth_ = 0;
  std::string top_key_;
  std::string snapshot_key_;
  std::string pending_key_;
  Section section_ = Section::kOther;
  json meta_;
  std::vector<json*> builder_;
  bool have_meta_ = false;
  std::size_t node_field_count_ = 0, edge_field_count_ = 0;
  std::size_t field_ = 0, edge_field_ = 0;
  int f_type_ = -1, f_name_ = -1, f_id_ = -1, f_size_ = -1, f_edges_ = -1, f_detached_ = -1;
  int e_type_ = -1, e_name_ = -1, e_to_ = -1;
  std::string error_;
};

void parse(std::istream& in, const std::string& what, HeapGraph& graph, bool ids_only) {
  SnapshotHandler handler(graph, ids_only);
  bool ok = false;
  try {
    ok = json::sax_parse(in, &handler);
    if (ok) handler.finish();
  } catch (const std::exception& e) {
    throw InputError(fmt::format("{}: not a readable heap snapshot: {}", what, e.what()));
  }
  if (!ok) {
    throw InputError(fmt::format("{}: not a readable heap snapshot: {}", what,
                                 handler.error().empty() ? "the JSON ends early" : handler.error()));
  }
}

// A 1 MiB stream buffer: the SAX lexer reads one character at a time through sbumpc.
HeapGraph read(const std::filesystem::path& file, bool ids_only) {
  std::vector<char> buffer(1 << 20);
  std::ifstream in;
  in.rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  in.open(file, std::ios::binary);
  if (!in) throw InputError(fmt::format("cannot open heap snapshot {}", file.string()));
  HeapGraph graph;
  parse(in, file.string(), graph, ids_only);
  return graph;
}

}  // namespace

bool HeapGraph::edge_has_index(std::size_t e) const {
  const auto& t = edge_types[edge_type[e]];
  return t == "element" || t == "hidden";
}

HeapGraph read_heap_graph(const std::filesystem::path& file) { return read(file, false); }

std::vector<std::uint32_t> read_heap_snapshot_ids(const std::filesystem::path& file) {
  auto ids = std::move(read(file, true).id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

HeapGraph parse_heap_graph(const std::string& text) {
  std::istringstream in(text);
  HeapGraph graph;
  parse(in, "heap snapshot", graph, false);
  return graph;
}

}  // namespace harness
