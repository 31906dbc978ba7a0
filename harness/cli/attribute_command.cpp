#include "harness/cli/attribute_command.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "harness/attribute/attribution.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/error.hpp"
#include "harness/model/units.hpp"
#include "harness/platform/atomic_file.hpp"
#include "harness/store/summary_json.hpp"

namespace harness {

void setup_attribute_command(CLI::App& app, AttributeCommandOptions& o) {
  auto* cmd = app.add_subcommand(
      "attribute", "What grew across three or more heap snapshots of one page, and what holds it");
  cmd->add_option("snapshots", o.snapshots,
                  "Heap snapshots (.heapsnapshot) of the same page, oldest first: a baseline, "
                  "one or more in the middle, the last")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--iterations", o.iterations,
                  "The iteration (round trip) each snapshot was taken at, comma-separated, "
                  "e.g. 0,15,30")
      ->delimiter(',')
      ->required();
  cmd->add_option("--json", o.json, "Also write the attribution as JSON to this file");
  cmd->add_option("--top", o.top, "Groups shown (default 10)")->check(CLI::Range(1, 1000));
  cmd->add_option("--min-per-iteration", o.min_per_iteration,
                  "Noise floor: new objects per iteration a group needs in every interval "
                  "(default 0.5)")
      ->check(CLI::Range(0.0, 1e9));
}

int run_attribute_command(const AttributeCommandOptions& o) {
  if (o.snapshots.size() < 3) {
    throw InputError(fmt::format("attribute needs three heap snapshots or more (a baseline, one "
                                 "in the middle, the last), not {}",
                                 o.snapshots.size()));
  }
  if (o.iterations.size() != o.snapshots.size()) {
    throw InputError(fmt::format("--iterations has {} value(s) for {} snapshots",
                                 o.iterations.size(), o.snapshots.size()));
  }
  Attribution a;
  for (std::size_t i = 0; i < o.snapshots.size(); ++i) {
    const std::filesystem::path file = std::filesystem::absolute(o.snapshots[i]);
    a.snapshots.push_back({o.iterations[i], file.string(), std::filesystem::file_size(file), 0});
  }
  GrowthOptions options;
  options.max_groups = o.top;
  options.min_per_iteration = o.min_per_iteration;
  attribute_heap_snapshots(a, "", options, [](const std::string& what) {
    std::fprintf(stderr, "attribute: %s\n", what.c_str());
  });
  std::printf("%zu group(s) grew in proportion to the iterations (%.1f s)\n", a.groups.size(),
              a.analysis_seconds);
  std::printf("noise floor: %s\n", a.noise_floor.c_str());
  for (std::size_t i = 0; i < a.groups.size(); ++i) {
    const auto& g = a.groups[i];
    std::printf("\n%zu. %s [%s]: +%.3g/iteration (intervals %.3g, %.3g); holds %s/it of new "
                "objects, retains %s/it, self %s/it\n",
                i + 1, g.name.c_str(), g.kind.c_str(), g.count_per_iteration,
                g.first_per_iteration, g.second_per_iteration,
                format_bytes(g.growth_bytes_per_iteration).c_str(),
                format_bytes(g.retained_bytes_per_iteration).c_str(),
                format_bytes(g.self_bytes_per_iteration).c_str());
    if (!g.holder.empty()) std::printf("   held by %s\n", g.holder.c_str());
    if (!g.contains.empty()) {
      std::string inner;
      for (std::size_t k = 0; k < g.contains.size() && k < 6; ++k) {
        inner += (k ? ", " : "") + g.contains[k];
      }
      if (g.contains.size() > 6) inner += fmt::format(", and {} more", g.contains.size() - 6);
      std::printf("   contains %s\n", inner.c_str());
    }
    const std::string path = retainer_path_text(g.path);
    if (!path.empty()) std::printf("   %s\n", path.c_str());
  }
  if (!o.json.empty()) {
    if (auto error = write_atomically(o.json, attribution_to_json(a).dump(2) + "\n")) {
      throw InputError(*error);
    }
  }
  return kExitOk;
}

}  // namespace harness
