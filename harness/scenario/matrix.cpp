#include "harness/scenario/matrix.hpp"

#include <fmt/format.h>

#include "harness/scenario/common_fields.hpp"
#include "harness/scenario/yaml_reader.hpp"

namespace harness {

namespace {

MatrixEntry parse_entry(Validator& v, const YAML::Node& item, const std::filesystem::path& file,
                        const LoadOptions& options) {
  MatrixEntry entry;
  entry.where = v.where(item);
  MapReader m(v, item, "a matrix run", {"scenario", "browsers", "variants", "iterations",
                                                "components"});
  m.require("scenario", "the scenario file, relative to the matrix file");
  if (auto s = m.string("scenario", "a file path")) {
    entry.scenario = file.parent_path() / *s;
    std::error_code ec;
    if (!std::filesystem::exists(entry.scenario, ec)) {
      v.error(m.get("scenario"), fmt::format("scenario '{}' does not exist (resolved against the "
                                             "matrix file's folder)",
                                             entry.scenario.lexically_normal().string()));
    } else if (!std::filesystem::is_regular_file(entry.scenario, ec)) {
      v.error(m.get("scenario"), fmt::format("scenario '{}' is not a file",
                                             entry.scenario.lexically_normal().string()));
    }
  }
  if (m.has("browsers")) {
    entry.browsers = read_browsers(v, m.get("browsers"), options.known_browsers);
  }
  if (m.has("variants")) {
    // The run's variants are pins, as with --variant name=v1,v2: a value cannot hold a comma.
    for (const auto& variant : read_variants(v, m.get("variants"))) {
      std::string pin = variant.name + "=";
      for (std::size_t i = 0; i < variant.values.size(); ++i) {
        const std::string& value = variant.values[i];
        if (value.empty() || value.find(',') != std::string::npos) {
          v.error(variant.where, fmt::format("variant '{}': value '{}' cannot be pinned; a pinned "
                                             "value is not empty and has no comma",
                                             variant.name, value));
        }
        pin += (i == 0 ? "" : ",") + value;
      }
      entry.variants.push_back(std::move(pin));
    }
  }
  if (m.has("components")) {
    // `components: {audit-helper: [on, off]}`: a run with and one without it (names are checked
    // against the scenario when it is loaded).
    const YAML::Node node = m.get("components");
    if (!node.IsMap()) {
      v.error(node, "components is a mapping of component name to on/off, e.g. components: "
                    "{audit-helper: [on, off]}");
    } else {
      for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string name = it->first.Scalar();
        const YAML::Node values = it->second;
        std::vector<std::string> words;
        if (values.IsScalar()) words.push_back(values.Scalar());
        else if (values.IsSequence()) {
          for (const auto& value : values) words.push_back(value.IsScalar() ? value.Scalar() : "");
        }
        bool ok = !words.empty();
        for (auto& w : words) {
          if (w == "true") w = "on";  // YAML 1.1 reads on/off as booleans: either spelling
          if (w == "false") w = "off";
          ok = ok && (w == "on" || w == "off");
        }
        if (!ok) {
          v.error(values.IsNull() ? v.where(it->first) : v.where(values),
                  fmt::format("component '{}': the values are on, off or [on, off]", name));
          continue;
        }
        std::string pin = name + "=";
        for (std::size_t i = 0; i < words.size(); ++i) pin += (i ? "," : "") + words[i];
        entry.components.push_back(std::move(pin));
      }
    }
  }
  if (auto n = read_iterations(m)) {
    entry.iterations = n->automatic ? "auto" : std::to_string(n->count);
  }
  return entry;
}

MatrixGrid parse_grid(Validator& v, const YAML::Node& node, const std::filesystem::path& file) {
  MatrixGrid grid;
  if (!node.IsMap()) {
    v.error(node, "grid is a mapping: {url: http://hub:4444, parallel: N, token_file: file, "
                  "agents: {node URL: agent URL}, serve_bind: address, serve_host: name}");
    return grid;
  }
  MapReader m(v, node, "grid", {"url", "parallel", "token_file", "agents", "serve_bind",
                                "serve_host"});
  if (auto url = m.string("url", "the hub's URL")) {
    if (url->rfind("http://", 0) != 0) {
      v.error(m.get("url"), fmt::format("grid url '{}' must start with http://", *url));
    }
    grid.url = *url;
  }
  if (auto n = m.integer("parallel", 1, 256, "cells at once")) grid.parallel = *n;
  if (auto t = m.string("token_file", "the agents' token file")) grid.token_file = file.parent_path() / *t;
  if (auto b = m.string("serve_bind", "an address")) grid.serve_bind = *b;
  if (auto h = m.string("serve_host", "a host name")) grid.serve_host = *h;
  if (m.has("agents")) {
    const YAML::Node agents = m.get("agents");
    if (!agents.IsMap()) {
      v.error(agents, "agents is a mapping of node URL to agent URL");
    } else {
      for (const auto& kv : agents) {
        if (!kv.second.IsScalar()) {
          v.error(kv.second, "an agent is a URL, e.g. http://node1:4450");
          continue;
        }
        std::string node_url = kv.first.as<std::string>();
        while (!node_url.empty() && node_url.back() == '/') node_url.pop_back();
        grid.agents[node_url] = kv.second.as<std::string>();
      }
    }
  }
  return grid;
}

}  // namespace

Matrix parse_matrix(std::string_view text, const std::filesystem::path& file,
                    const LoadOptions& options) {
  Validator v(file.string());
  const YAML::Node root = parse_yaml(text, v, "matrix");
  Matrix matrix;
  matrix.file = file;
  if (!root.IsMap()) {
    v.error(root, fmt::format("a matrix is a mapping: name, description, runs: [{{scenario: ..., "
                              "browsers: [...], variants: {{...}}, iterations: N}}], not {}",
                              node_type_name(root)));
    v.throw_if_any();
  }
  MapReader top(v, root, "the matrix", {"name", "description", "runs", "grid"});
  top.require("name", "a short name, e.g. name: nightly");
  top.require("runs", "the list of scenarios to run");
  if (auto name = top.string("name", "a short name")) matrix.name = *name;
  if (auto d = top.string("description", "text")) matrix.description = *d;
  if (top.has("grid")) matrix.grid = parse_grid(v, top.get("grid"), file);
  if (top.has("runs")) {
    const YAML::Node runs = top.get("runs");
    if (!runs.IsSequence() || runs.size() == 0) {
      v.error(runs.IsNull() ? top.where_key("runs") : v.where(runs),
              "runs must be a non-empty list of {scenario: file, browsers: [...], variants: "
              "{name: [values]}, iterations: N|auto}");
    } else {
      for (const auto& item : runs) {
        if (!item.IsMap()) {
          v.error(item, fmt::format("each run of a matrix is a mapping with at least `scenario:`, "
                                    "not {}",
                                    node_type_name(item)));
          continue;
        }
        matrix.entries.push_back(parse_entry(v, item, file, options));
      }
    }
  }
  v.throw_if_any();
  return matrix;
}

Matrix load_matrix(const std::filesystem::path& file, const LoadOptions& options) {
  return parse_matrix(read_yaml_file(file, "matrix"), file, options);
}

}  // namespace harness
