// harness: browser compatibility and memory test harness. Subcommands live in one file each;
// this is the only place errors become exit codes (README "Exit codes").
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>

#include "harness/cli/agent_command.hpp"
#include "harness/cli/attribute_command.hpp"
#include "harness/cli/bisect_command.hpp"
#include "harness/cli/compare_command.hpp"
#include "harness/cli/doctor_command.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/cli/matrix_command.hpp"
#include "harness/cli/report_command.hpp"
#include "harness/cli/run_command.hpp"
#include "harness/cli/serve_command.hpp"
#include "harness/cli/watch_command.hpp"
#include "harness/error.hpp"
#include "harness/platform/process.hpp"

#include <exception>

int main(int argc, char** argv) {
  using namespace harness;
  // Whatever happens to the harness, the browser and driver it started do not outlive it.
  std::set_terminate([] {
    kill_registered_process_groups();
    std::abort();
  });
  CLI::App app{"Browser memory harness: drives Chromium and IE11 through scripted workflows and "
               "records memory-vs-iteration curves"};
  app.set_version_flag("--version", std::string("harness ") + HARNESS_VERSION);
  app.require_subcommand(1);
  RunCommandOptions run_options;
  ServeCommandOptions serve_options;
  CompareCommandOptions compare_options;
  ReportCommandOptions report_options;
  MatrixCommandOptions matrix_options;
  DoctorCommandOptions doctor_options;
  WatchCommandOptions watch_options;
  AgentCommandOptions agent_options;
  AttributeCommandOptions attribute_options;
  BisectCommandOptions bisect_options;
  setup_run_command(app, run_options);
  setup_compare_command(app, compare_options);
  setup_report_command(app, report_options);
  setup_matrix_command(app, matrix_options);
  setup_doctor_command(app, doctor_options);
  setup_serve_command(app, serve_options);
  setup_watch_command(app, watch_options);
  setup_agent_command(app, agent_options);
  setup_attribute_command(app, attribute_options);
  setup_bisect_command(app, bisect_options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  try {
    if (app.got_subcommand("run")) return run_run_command(run_options);
    if (app.got_subcommand("serve")) return run_serve_command(serve_options);
    if (app.got_subcommand("compare")) return run_compare_command(compare_options);
    if (app.got_subcommand("report")) return run_report_command(report_options);
    if (app.got_subcommand("matrix")) return run_matrix_command(matrix_options);
    if (app.got_subcommand("doctor")) return run_doctor_command(doctor_options);
    if (app.got_subcommand("agent")) return run_agent_command(agent_options);
    if (app.got_subcommand("attribute")) return run_attribute_command(attribute_options);
    if (app.got_subcommand("bisect")) return run_bisect_command(bisect_options);
    if (app.got_subcommand("__watch")) return run_watch_command(watch_options);
  } catch (const ScenarioError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    std::fprintf(stderr, "harness: the scenario has %zu problem(s); nothing was started\n",
                 e.diagnostics().size());
    return kExitBadInput;
  } catch (const InputError& e) {
    std::fprintf(stderr, "harness: %s\n", e.what());
    return kExitBadInput;
  } catch (const LaunchError& e) {
    std::fprintf(stderr, "harness: %s\n", e.what());
    return kExitNoResult;
  } catch (const EnvironmentError& e) {
    std::fprintf(stderr, "harness: %s\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "harness: unexpected error: %s\n", e.what());
    return kExitFailed;
  }
  return kExitBadInput;
}
