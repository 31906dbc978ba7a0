// The scenario model: what a YAML file in scenarios/ says, validated and typed. Plain data; the
// loader (loader.hpp) builds it, the runner reads it. Documented for users in scenarios/README.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/error.hpp"

namespace harness {

enum class StepKind {
  kOpen,
  kClick,
  kType,
  kSelect,
  kWaitFor,
  kFrame,
  kExecute,
  kExecuteAsync,
  kSleep,
  kGc,
  kReload,
  kScreenshot,
};

// Scenario spelling of a step kind ("wait_for") and back.
const char* step_kind_name(StepKind kind);
std::optional<StepKind> step_kind_from_name(const std::string& name);
const std::vector<std::string>& step_kind_names();

enum class WaitState { kPresent, kVisible, kAbsent };

struct Step {
  StepKind kind = StepKind::kSleep;
  SourceLocation where;
  std::string label;     // `name:` or a generated "click #approve"; used in reports and errors
  std::string selector;  // CSS selector: click, type, select, wait_for, frame
  std::string url;       // open: absolute, or relative to the pages' base URL
  std::string text;      // type: the keys; select: the option's visible text (alternative to value)
  std::string value;     // select: the option's value attribute
  bool clear = false;    // type: clear the field first
  std::string script;    // wait_for (must return true), execute, execute_async (ES5, IE11-safe)
  WaitState state = WaitState::kPresent;  // wait_for with a selector
  std::optional<int> timeout_ms;          // overrides the scenario's timeouts.step_ms
  int sleep_ms = 0;                       // sleep
  std::string file_name;                  // screenshot: name of the PNG in the run folder
  std::vector<Step> steps;                // frame: steps run inside the frame
};

// How steps act on elements.
//  scripted: through small ES5 scripts sent with W3C "execute script" that return plain values;
//            frames are reached through contentWindow (same origin). The driver holds no
//            element references, so it cannot pin what the app removes (default).
//  native:   W3C element references and frame switching: the driver's own input path. ChromeDriver
//            keeps every element it has found and every frame it has entered alive until the top
//            page navigates (measured: ~580 KB and ~5,000 nodes per closed review in vtm-review;
//            SeleniumHQ/selenium#14534), which inflates memory curves.
enum class InputMode { kScripted, kNative };

const char* input_mode_name(InputMode mode);

// Who performs the workflow.
//  driver: the harness, step by step, through the browser's WebDriver (default).
//  page:   the page itself (pages/harness/page-runner.js), reporting each iteration with a
//          beacon; the harness only launches the browser and measures. For IE's Enhanced
//          Protected Mode, where no driver can attach, and as the zero-driver-overhead bound.
enum class DriveMode { kDriver, kPage };

struct CheckpointPolicy {
  int every = 5;        // a checkpoint after every k measured iterations (and after the last)
  bool gc = true;       // force a full GC in the page before measuring
  int settle_ms = 200;  // wait after the GC: cuts private-memory noise ~16 MB -> ~1 MB (reference
                        // chromium-linux.md §6)
};

// How a ceiling acts when the sampled metric crosses it (README "Ceilings" says how faithful
// each is to a 32-bit IE tab):
//  observe: a ceiling_reached event; the run goes on.
//  kill:    the renderer over the ceiling is ended at once (SIGKILL by its PID); the run ends as
//           ceiling_reached.
//  limit:   every renderer gets a data-segment limit (RLIMIT_DATA) calibrated as
//           VmData − private + ceiling, so allocations fail inside the browser as a 32-bit
//           tab's do and Chromium crashes with its own out-of-memory error.
enum class CeilingEnforcement { kObserve, kKill, kLimit };

const char* enforcement_name(CeilingEnforcement enforce);

struct Ceiling {
  std::uint64_t bytes = 0;
  std::string metric = "renderer.private_bytes";
  CeilingEnforcement enforce = CeilingEnforcement::kObserve;
};

// DebugDiag-style dump rules: a dump when the metric first passes `start`, then every `step`
// more, at most `max` dumps.
struct DumpRule {
  std::string metric = "private";  // private (renderer private bytes) or virtual (VmData/VirtualSize)
  std::uint64_t start_bytes = 0;
  // `start: +64MiB`: the first threshold is the metric's baseline (its first sample after the
  // baseline checkpoint, i.e. after set-up and warm-up) plus start_bytes; such a rule cannot fire
  // during set-up, and its thresholds follow the machine's own starting point.
  bool relative = false;
  std::uint64_t step_bytes = 0;    // 0: only once
  int max = 10;
  SourceLocation where;
};

struct DumpPolicy {
  std::vector<DumpRule> rules;
  bool on_hang = true;      // a minidump of a hung page's renderer
  bool hang_stack = false;  // also its JavaScript stack: enables the debugger for the whole run,
                            // which adds ~600 KiB/iteration of renderer memory (profile.hpp)
};

struct Timeouts {
  int step_ms = 10'000;       // wait for a step's target element / condition
  int page_load_ms = 30'000;  // open, reload
  int script_ms = 30'000;     // execute_async callback
  int hang_ms = 10'000;       // the page's main thread unresponsive this long: hung
};

// `expect:` — what a good run is; checked by analyze/expectations.hpp.
struct ExpectSpec {
  std::string verdict;  // "", or retains | plateau | stable | insufficient
  std::optional<std::uint64_t> max_slope_bytes;
  std::optional<std::uint64_t> max_peak_bytes;
};

struct Variant {
  std::string name;
  std::vector<std::string> values;
  SourceLocation where;
};

// A third party present while the scenario runs (issue 14; README "Components"). Every declared
// component is on unless a switch turns it off; `harness bisect` finds which ones cause a
// regression.
//  extension: an unpacked Chromium extension (MV3) folder, loaded at the browser's start; a
//             folder the browser refuses makes the run's error with the browser's reason.
//  program:   a co-running program started before the browser and ended after it (by its
//             process group); its process tree is sampled with the browser's (role
//             "component").
//  activex:   an IE add-on by CLSID, enabled (on) or disabled (off) in the registry for the run
//             through the registry journal (restored at the end); Windows IE profiles only.
enum class ComponentKind { kExtension, kProgram, kActiveX };

const char* component_kind_name(ComponentKind kind);

struct Component {
  std::string name;
  ComponentKind kind = ComponentKind::kExtension;
  std::filesystem::path path;         // extension: absolute folder
  std::vector<std::string> command;   // program: executable (resolved) and arguments
  std::string clsid;                  // activex: "{...}"
  std::string version;                // extension: its manifest's version (loader); else ""
  SourceLocation where;
};

struct Scenario {
  std::filesystem::path file;  // as given on the command line
  std::string name;
  std::string description;
  // Exactly one of: a folder served by the harness on 127.0.0.1 (absolute path, resolved against
  // the scenario file's folder), or `start` is an absolute http(s) URL.
  std::optional<std::filesystem::path> serve_dir;
  std::string start;  // path under the served folder, or an absolute URL; may contain ${variant}
  std::vector<Step> setup;
  std::vector<Step> iteration;
  int iterations = 20;
  // `iterations: auto`: keep going until the verdict is decided, at most max_iterations.
  bool iterations_auto = false;
  int max_iterations = 200;
  int warmup = 1;
  CheckpointPolicy checkpoint;
  Timeouts timeouts;
  InputMode input = InputMode::kScripted;
  DriveMode drive = DriveMode::kDriver;
  std::vector<std::string> browsers{"chromium"};
  std::vector<Variant> variants;
  std::optional<Ceiling> ceiling;
  ExpectSpec expect;
  DumpPolicy dumps;
  // Mitigation experiments: a top-level navigation (IE frees retained iframe memory only when
  // the top page unloads) or a new browser every N measured iterations; 0 = never.
  int reload_every = 0;
  int restart_every = 0;
  // `attribution: true`: heap snapshots at the baseline, a middle and the last checkpoint, and
  // the frames' DOM counts at every checkpoint, to say what grew and what holds it (issue 16).
  bool attribution = false;
  // `components:` in declaration order (Component above).
  std::vector<Component> components;
  // Variants that no string of the scenario references with ${name}: they are appended to the
  // start URL as query parameters.
  std::set<std::string> unreferenced_variants;
  // Top-level keys the file left out, so the console can mark their values as defaults.
  std::set<std::string> defaulted;
};

}  // namespace harness
