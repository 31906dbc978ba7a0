// Typed errors of the harness library. Library code throws these; only cli/main.cpp maps them
// to exit codes (see README "Exit codes"). A failed *run* is not an error: it is data (a status
// and a reason in the run record); these types are for what stops the harness itself.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace harness {

// Position in a user-supplied file; line and column are 1-based (0 = unknown).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// "file:line:col" or just "file" when the position is unknown.
std::string to_string(const SourceLocation& where);

struct Diagnostic {
  SourceLocation where;
  std::string message;
};

// Bad input the user can fix: a scenario, a command-line value, a results folder.
// Exit code 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// A scenario file failed validation; carries every problem found, not only the first.
class ScenarioError : public InputError {
 public:
  explicit ScenarioError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// The browser or its driver could not be started (binary missing, session refused, port never
// opened). Exit code 3 when no run produced a result.
class LaunchError : public std::runtime_error {
 public:
  explicit LaunchError(const std::string& message) : std::runtime_error(message) {}
};

// The harness's own environment failed (results folder not writable, SQLite error).
class EnvironmentError : public std::runtime_error {
 public:
  explicit EnvironmentError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace harness
