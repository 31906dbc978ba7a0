// `harness doctor`: what this machine can run — browsers and drivers with their versions, the
// results store, free disk, temporary profiles a killed harness left behind.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace harness {

struct DoctorCommandOptions {
  std::string chromium = "/usr/bin/chromium";
  std::string chromedriver = "/usr/bin/chromedriver";
  std::string database = "results/harness.db";
  std::string iedriver;  // IE profiles: an IEDriverServer.exe to check instead of the defaults
};

void setup_doctor_command(CLI::App& app, DoctorCommandOptions& options);
int run_doctor_command(const DoctorCommandOptions& options);

}  // namespace harness
