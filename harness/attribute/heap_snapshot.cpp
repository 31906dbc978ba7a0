#include "harness/attribute/heap_snapshot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
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

// A streaming JSON reader for the snapshot's shape, feeding the same SAX handler as nlohmann's
// parser. Measured on a 37 MB snapshot (bench/attribution_bench.cpp): nlohmann's SAX lexer keeps
// every number's characters in a string and converts it with strtoull, ~11 MB/s here; this one
// reads non-negative integers (nearly all of a snapshot) straight from the buffer. Strings are
// unescaped as JSON says (\uXXXX with surrogate pairs to UTF-8); anything that is not JSON is
// an error with its byte offset.
class StreamReader {
 public:
  StreamReader(std::istream& in, SnapshotHandler& handler) : in_(in), h_(handler) {}

  bool parse() {
    // containers: 'o' object expecting a key, 'v' object expecting a value, 'a' array
    std::vector<char> stack;
    bool need_value = true;
    for (;;) {
      skip_space();
      int c = peek();
      if (c == EOF) {
        if (stack.empty() && !need_value) return true;
        return error("the JSON ends early");
      }
      if (!need_value) {
        // After a value: ',' or the container's end.
        if (stack.empty()) return error("text after the end of the JSON");
        next();
        if (c == ',') {
          need_value = true;
          if (stack.back() == 'v') stack.back() = 'o';
          continue;
        }
        if (c == '}' && (stack.back() == 'v' || stack.back() == 'o')) {
          stack.pop_back();
          if (!h_.end_object()) return false;
          continue;
        }
        if (c == ']' && stack.back() == 'a') {
          stack.pop_back();
          if (!h_.end_array()) return false;
          continue;
        }
        return error(fmt::format("'{}' where ',' or the end of a container belongs", char(c)));
      }
      if (!stack.empty() && stack.back() == 'o') {
        // A key, or '}' of an empty object.
        if (c == '}') {
          next();
          stack.pop_back();
          if (!h_.end_object()) return false;
          need_value = false;
          continue;
        }
        if (c != '"') return error("an object key must be a string");
        next();
        if (!read_string()) return false;
        if (!h_.key(text_)) return false;
        skip_space();
        if (peek() != ':') return error("':' after an object key");
        next();
        stack.back() = 'v';
        continue;
      }
      // A value.
      next();
      need_value = false;
      switch (c) {
        case '{':
          stack.push_back('o');
          if (!h_.start_object(std::size_t(-1))) return false;
          need_value = true;
          break;
        case '[':
          stack.push_back('a');
          if (!h_.start_array(std::size_t(-1))) return false;
          skip_space();
          if (peek() == ']') {
            next();
            stack.pop_back();
            if (!h_.end_array()) return false;
          } else {
            need_value = true;
          }
          break;
        case '"':
          if (!read_string()) return false;
          if (!h_.string(text_)) return false;
          break;
        case 't':
          if (!literal("rue")) return false;
          if (!h_.boolean(true)) return false;
          break;
        case 'f':
          if (!literal("alse")) return false;
          if (!h_.boolean(false)) return false;
          break;
        case 'n':
          if (!literal("ull")) return false;
          if (!h_.null()) return false;
          break;
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            if (!read_number(c)) return false;
          } else {
            return error(fmt::format("unexpected '{}'", char(c)));
          }
      }
    }
  }

  const std::string& error_text() const { return error_; }

 private:
  int peek() {
    if (pos_ == end_ && !fill()) return EOF;
    return static_cast<unsigned char>(*pos_);
  }
  void next() { ++pos_; }
  bool fill() {
    offset_ += static_cast<std::uint64_t>(end_ - buffer_.data());
    in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    const auto got = in_.gcount();
    pos_ = buffer_.data();
    end_ = pos_ + got;
    return got > 0;
  }
  void skip_space() {
    for (;;) {
      while (pos_ < end_ && (*pos_ == ' ' || *pos_ == '\n' || *pos_ == '\r' || *pos_ == '\t')) ++pos_;
      if (pos_ < end_ || !fill()) return;
    }
  }
  std::uint64_t where() const {
    return offset_ + static_cast<std::uint64_t>(pos_ - buffer_.data());
  }
  bool error(const std::string& what) {
    error_ = fmt::format("at byte {}: {}", where(), what);
    return false;
  }
  bool literal(const char* rest) {
    for (; *rest; ++rest) {
      if (peek() != *rest) return error("a misspelt true, false or null");
      next();
    }
    return true;
  }
  bool read_number(int first) {
    if (first != '-') {
      std::uint64_t value = static_cast<std::uint64_t>(first - '0');
      for (;;) {
        int c = peek();
        if (c >= '0' && c <= '9') {
          value = value * 10 + static_cast<std::uint64_t>(c - '0');
          next();
          continue;
        }
        if (c == '.' || c == 'e' || c == 'E') break;  // a fraction: the slow path below
        return h_.number_unsigned(value);
      }
      text_ = std::to_string(value);
    } else {
      text_ = "-";
    }
    for (;;) {
      int c = peek();
      if ((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        text_.push_back(static_cast<char>(c));
        next();
      } else {
        break;
      }
    }
    char* stop = nullptr;
    const double v = std::strtod(text_.c_str(), &stop);
    if (stop != text_.c_str() + text_.size() || text_ == "-") return error("a malformed number");
    if (v == std::floor(v) && std::abs(v) < 9e15 && text_.find_first_of(".eE") == std::string::npos) {
      return h_.number_integer(static_cast<std::int64_t>(v));
    }
    return h_.number_float(v, text_);
  }
  bool hex4(unsigned& out) {
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const int c = peek();
      next();
      out <<= 4;
      if (c >= '0' && c <= '9') out |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f') out |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') out |= unsigned(c - 'A' + 10);
      else return error("a malformed \\u escape");
    }
    return true;
  }
  void utf8(unsigned cp) {
    if (cp < 0x80) {
      text_.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      text_.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      text_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      text_.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      text_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      text_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      text_.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      text_.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      text_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      text_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  // After the opening quote; the text goes to text_.
  bool read_string() {
    text_.clear();
    for (;;) {
      // Copy the plain run in the buffer at once.
      const char* start = pos_;
      while (pos_ < end_ && *pos_ != '"' && *pos_ != '\\') {
        if (static_cast<unsigned char>(*pos_) < 0x20) return error("a control character in a string");
        ++pos_;
      }
      text_.append(start, pos_);
      const int c = peek();
      if (c == EOF) return error("the JSON ends inside a string");
      next();
      if (c == '"') return true;
      if (c != '\\') {
        // The buffer ran out inside the string: this character came with the next one.
        if (c < 0x20) return error("a control character in a string");
        text_.push_back(static_cast<char>(c));
        continue;
      }
      const int e = peek();
      next();
      switch (e) {
        case '"': text_.push_back('"'); break;
        case '\\': text_.push_back('\\'); break;
        case '/': text_.push_back('/'); break;
        case 'b': text_.push_back('\b'); break;
        case 'f': text_.push_back('\f'); break;
        case 'n': text_.push_back('\n'); break;
        case 'r': text_.push_back('\r'); break;
        case 't': text_.push_back('\t'); break;
        case 'u': {
          unsigned cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00) {
            unsigned low = 0;
            if (peek() == '\\') {
              next();
              if (peek() != 'u') return error("a lone surrogate in a \\u escape");
              next();
              if (!hex4(low)) return false;
              if (low >= 0xDC00 && low < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
              } else {
                utf8(0xFFFD);
                cp = low;
              }
            } else {
              cp = 0xFFFD;  // V8 writes lone surrogates of broken strings as they are
            }
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            cp = 0xFFFD;
          }
          utf8(cp);
          break;
        }
        default:
          return error("a malformed escape in a string");
      }
    }
  }

  std::istream& in_;
  SnapshotHandler& h_;
  std::vector<char> buffer_ = std::vector<char>(1 << 20);
  const char* pos_ = buffer_.data();
  const char* end_ = buffer_.data();
  std::uint64_t offset_ = 0;
  std::string text_;
  std::string error_;
};

void parse(std::istream& in, const std::string& what, HeapGraph& graph, bool ids_only,
           HeapSnapshotParser parser) {
  SnapshotHandler handler(graph, ids_only);
  bool ok = false;
  std::string error;
  try {
    if (parser == HeapSnapshotParser::kNlohmannSax) {
      ok = json::sax_parse(in, &handler);
      error = handler.error();
    } else {
      StreamReader reader(in, handler);
      ok = reader.parse();
      error = handler.error().empty() ? reader.error_text() : handler.error();
    }
    if (ok) handler.finish();
  } catch (const std::exception& e) {
    throw InputError(fmt::format("{}: not a readable heap snapshot: {}", what, e.what()));
  }
  if (!ok) {
    throw InputError(fmt::format("{}: not a readable heap snapshot: {}", what,
                                 error.empty() ? "the JSON ends early" : error));
  }
}

HeapGraph read(const std::filesystem::path& file, bool ids_only, HeapSnapshotParser parser) {
  std::vector<char> buffer(1 << 20);
  std::ifstream in;
  if (parser == HeapSnapshotParser::kNlohmannSax) {
    // nlohmann's lexer reads one character at a time through sbumpc: a large buffer.
    in.rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  }
  in.open(file, std::ios::binary);
  if (!in) throw InputError(fmt::format("cannot open heap snapshot {}", file.string()));
  HeapGraph graph;
  parse(in, file.string(), graph, ids_only, parser);
  return graph;
}

}  // namespace

bool HeapGraph::edge_has_index(std::size_t e) const {
  const auto& t = edge_types[edge_type[e]];
  return t == "element" || t == "hidden";
}

HeapGraph read_heap_graph(const std::filesystem::path& file, HeapSnapshotParser parser) {
  return read(file, false, parser);
}

std::vector<std::uint32_t> read_heap_snapshot_ids(const std::filesystem::path& file,
                                                  HeapSnapshotParser parser) {
  auto ids = std::move(read(file, true, parser).id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

HeapGraph parse_heap_graph(const std::string& text, HeapSnapshotParser parser) {
  std::istringstream in(text);
  HeapGraph graph;
  parse(in, "heap snapshot", graph, false, parser);
  return graph;
}

}  // namespace harness
