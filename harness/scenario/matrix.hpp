// `harness matrix` input: scenarios × browsers × variants, one run per cell. Validated like a
// scenario file (the same reader, the same checks for the keys they share, every problem with
// its file:line:col at once); the scenarios it names are loaded by the caller.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario/loader.hpp"

namespace harness {

struct MatrixEntry {
  std::filesystem::path scenario;      // resolved against the matrix file's folder
  SourceLocation where;
  std::vector<std::string> browsers;   // empty: the scenario's
  std::vector<std::string> variants;   // pins, "name=v1,v2"
  std::vector<std::string> components;  // switches, "name=on,off"
  std::string iterations;              // "" (the scenario's), a number, or "auto"
};

// `grid: {url: http://hub:4444, parallel: 4, token_file: agent.token, agents: {node: agent}}`:
// the cells run as Selenium Grid sessions (docs/grid.md); --grid and friends override it.
struct MatrixGrid {
  std::string url;
  int parallel = 0;                      // 0: the Grid's free slots
  std::filesystem::path token_file;      // resolved against the matrix file's folder
  std::map<std::string, std::string> agents;  // node URI -> agent URL
  std::string serve_bind;                // the page server's address ("" = 127.0.0.1)
  std::string serve_host;                // the name the nodes reach it by
};

struct Matrix {
  std::filesystem::path file;
  std::optional<MatrixGrid> grid;
  std::string name;
  std::string description;
  std::vector<MatrixEntry> entries;
};

// Throws ScenarioError (bad content) or InputError (file missing or unreadable).
Matrix load_matrix(const std::filesystem::path& file, const LoadOptions& options = {});

// Same, from text; `file` names it in messages and anchors the scenarios' relative paths.
Matrix parse_matrix(std::string_view text, const std::filesystem::path& file,
                    const LoadOptions& options = {});

}  // namespace harness
