// A run's third-party components (scenario.hpp, Component; issue 14): which are present, the
// co-running programs' lifecycle (started before the first browser, ended after the last, by
// their process groups) and their sampling alongside the browser's tree.
#include <fmt/format.h>

#include <algorithm>

#include "harness/error.hpp"
#include "harness/run/execution.hpp"
#include "harness/scenario/variants.hpp"

namespace harness {

using nlohmann::json;

namespace {

constexpr std::chrono::milliseconds kProgramGrace{2'000};

// The browser's process tree with the programs' trees: what the sampler reads. The programs'
// processes carry role "component" (subtype: the component's name), so renderer.* and the
// browser's totals leave them out while samples.csv and the report's role chart show them.
class WithPrograms final : public ProcessSource {
 public:
  WithPrograms(ProcessSource& browser, std::vector<ProcessSource*> programs)
      : browser_(browser), programs_(std::move(programs)) {}

  void refresh(bool force) override {
    browser_.refresh(force);
    for (auto* p : programs_) p->refresh(force);
  }
  std::vector<ProcessReading> read() override { return all(&ProcessSource::read); }
  std::vector<DetailedReading> read_detailed() override {
    return all(&ProcessSource::read_detailed);
  }
  std::vector<ProcessIdentity> seen() const override { return browser_.seen(); }
  std::optional<ProcessIdentity> identity_of(Pid pid) const override {
    return browser_.identity_of(pid);
  }

 private:
  // The browser's readings, then each program's.
  template <typename Reading>
  std::vector<Reading> all(std::vector<Reading> (ProcessSource::*read)()) {
    auto out = (browser_.*read)();
    for (auto* p : programs_) {
      auto more = (p->*read)();
      out.insert(out.end(), more.begin(), more.end());
    }
    return out;
  }

  ProcessSource& browser_;
  std::vector<ProcessSource*> programs_;
};

bool applies(const Component& c, const BrowserProfile& profile) {
  switch (c.kind) {
    case ComponentKind::kExtension: return profile.loads_extensions();
    case ComponentKind::kActiveX: return profile.loads_add_ons();
    case ComponentKind::kProgram: return profile.runs_beside_programs();
  }
  return false;
}

}  // namespace

void RunExecution::record_components() {
  const auto active = active_components(*plan_.scenario, plan_.variant);
  json list = json::array();
  for (const auto& c : plan_.scenario->components) {
    const bool on = std::find(active.begin(), active.end(), &c) != active.end();
    const bool applicable = applies(c, *plan_.profile);
    json row = {{"name", c.name},
                {"kind", component_kind_name(c.kind)},
                {"switch", on ? "on" : "off"},
                {"present", on && applicable}};
    switch (c.kind) {
      case ComponentKind::kExtension:
        row["path"] = c.path.string();
        row["version"] = c.version;
        break;
      case ComponentKind::kProgram: row["command"] = c.command; break;
      case ComponentKind::kActiveX: row["clsid"] = c.clsid; break;
    }
    if (!applicable) {
      row["note"] = fmt::format("{} components do not apply to {} ({})",
                                component_kind_name(c.kind), plan_.profile->name(),
                                plan_.profile->description());
    }
    list.push_back(std::move(row));
  }
  summary_.info.components = std::move(list);
}

void RunExecution::add_components(LaunchOptions& options) const {
  const auto active = active_components(*plan_.scenario, plan_.variant);
  for (const auto& c : plan_.scenario->components) {
    const bool on = std::find(active.begin(), active.end(), &c) != active.end();
    if (c.kind == ComponentKind::kExtension && on && plan_.profile->loads_extensions()) {
      options.extensions.push_back({c.name, c.path});
    }
    // An add-on switched off is disabled for the run (it may be enabled on the machine).
    if (c.kind == ComponentKind::kActiveX && plan_.profile->loads_add_ons()) {
      options.add_ons.push_back({c.name, c.clsid, on});
    }
  }
}

void RunExecution::note_loaded_components() {
  json& list = summary_.info.components;
  const json& env = summary_.info.environment;
  for (auto& row : list) {
    const std::string name = row.value("name", "");
    for (const char* key : {"extensions", "add_ons"}) {
      if (!env.contains(key) || !env[key].is_array()) continue;
      for (const auto& loaded : env[key]) {
        if (loaded.value("name", "") != name) continue;
        if (loaded.contains("id")) row["id"] = loaded["id"];
        if (loaded.contains("version")) row["version"] = loaded["version"];
        if (loaded.contains("loads_in_content")) row["loads_in_content"] = loaded["loads_in_content"];
      }
    }
    for (const auto& p : programs_) {
      if (p.component->name == name) row["pid"] = p.process->pid();
    }
  }
}

bool RunExecution::start_programs() {
  for (const Component* c : active_components(*plan_.scenario, plan_.variant)) {
    if (c->kind != ComponentKind::kProgram || !applies(*c, *plan_.profile)) continue;
    observer_.phase(plan_, summary_.info, "starting component " + c->name);
    LaunchSpec spec;
    spec.executable = c->command.front();
    spec.args.assign(c->command.begin() + 1, c->command.end());
    spec.stdout_file = dir_ / fmt::format("component-{}.log", c->name);
    spec.stderr_file = dir_ / fmt::format("component-{}.stderr.log", c->name);
    RunningProgram running;
    running.component = c;
    try {
      running.process = ChildProcess::launch(spec);
    } catch (const LaunchError& e) {
      finish(facts(DriveEnd::kLaunchFailed,
                   fmt::format("component '{}' could not start: {}", c->name, e.what())));
      return false;
    }
    if (journal_) journal_->add_group(running.process->identity());
    const std::string name = c->name;
    running.tree = std::make_unique<ProcessTree>(ProcessTreeOptions{
        {running.process->pid()},
        [name](std::string_view) { return ProcessClass{ProcessRole::kComponent, name}; },
        std::string()});
    running.tree->refresh(true);
    event("component_started",
          fmt::format("component {} (program) started: pid {}", c->name, running.process->pid()),
          {{"component", c->name}, {"pid", running.process->pid()}, {"command", c->command}});
    programs_.push_back(std::move(running));
  }
  return true;
}

void RunExecution::stop_programs() {
  for (auto& p : programs_) {
    const std::string& name = p.component->name;
    if (auto code = p.process->poll_exit()) {
      // A program that ended on its own during the run: the run's curves were taken without it
      // from then on.
      event("component_exited",
            fmt::format("component {} (program) had exited on its own with code {}", name, *code),
            {{"component", name}, {"exit_code", *code}});
      continue;
    }
    p.process->end_group(kProgramGrace);
    event("component_ended", fmt::format("component {} (program) ended", name),
          {{"component", name}});
  }
  programs_.clear();
}

std::unique_ptr<SampleSource> RunExecution::start_sampler() {
  SamplerClock clock{[this] { return now_ms(); }, [this] { return iteration_.load(); }};
  auto sink = [this](const SampleBatch& batch) { on_sample(batch); };
  if (programs_.empty() || !session_->process_tree().local()) {
    return session_->start_sampling(plan_.sample_interval, std::move(clock), std::move(sink));
  }
  std::vector<ProcessSource*> trees;
  for (auto& p : programs_) trees.push_back(p.tree.get());
  sampled_tree_ = std::make_unique<WithPrograms>(session_->process_tree(), std::move(trees));
  return std::make_unique<Sampler>(*sampled_tree_, plan_.sample_interval, std::move(clock),
                                   std::move(sink));
}

}  // namespace harness
