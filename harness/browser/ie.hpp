// The four IE11 / Edge IE mode profiles (DESIGN.md §3; reference ie11-windows.md §1–§3): what
// each one launches, the W3C capabilities it sends to IEDriverServer, the registry values it
// needs (with the policy keys that override them), its ceiling, and how its processes are
// classified. Pure data and functions: they build and are tested on Linux; the Windows session
// that uses them is cross-built (windows/CMakeLists.txt).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/browser/profile.hpp"
#include "harness/model/process.hpp"
#include "harness/platform/process_tree.hpp"
#include "harness/platform/registry.hpp"
#include "harness/platform/registry_journal.hpp"

namespace harness {

// 1.3 GB private bytes: where the customer's 32-bit tabs froze or crashed (DESIGN.md §1): address
// space fragmentation below the 2 GiB a non-large-address-aware 32-bit process has.
constexpr std::uint64_t kIe32BitTabCeilingBytes = 1300ull << 20;

enum class IeDriveMode {
  kDriver,  // scenario steps through IEDriverServer (W3C WebDriver)
  kPage,    // the page runs the workflow and posts beacons (IEDriverServer cannot attach to EPM)
};

struct IeProfileSpec {
  std::string name;         // ie11-x86, ie11-x64, ie11-x64-epm, edge-iemode
  std::string description;
  std::string mode;         // reference §3.2: M1, M2, M3, M4
  int driver_bits = 32;     // IEDriverServer build: 32-bit drives 32-bit content
  bool driver_supported = true;      // false: page mode only
  IeDriveMode default_drive = IeDriveMode::kDriver;
  int content_bits = 32;    // bitness of the process holding the page (verify in the lab: §8)
  bool frame_hosts_content = false;  // TabProcGrowth=0: frame and tab are one process
  bool edge = false;        // Edge IE mode: msedge.exe hosts iexplore.exe ... APPID:MSEdge
  bool force_create_process_api = false;
  // Ceiling: the metric, and its default when the scenario sets none (none for 64-bit content).
  std::string ceiling_metric = "renderer.private_bytes";
  std::optional<std::uint64_t> default_ceiling_bytes;
  // Recorded with every checkpoint besides the ceiling metric.
  std::vector<std::string> recorded_metrics;
  // DebugDiag's virtual-bytes rule only fits 32-bit tabs: 64-bit processes reserve ~2 TB for
  // CFG at start (reference §4.1; unverified figure), so virtual-byte dump rules are off for them.
  bool virtual_byte_rules = true;
  std::vector<std::string> notes;  // what to expect and record (32-bit plugins fail, ...)
};

const std::vector<IeProfileSpec>& ie_profiles();
const IeProfileSpec* find_ie_profile(std::string_view name);

// ---- IEDriverServer ---------------------------------------------------------------------------

struct IeSessionOptions {
  std::string initial_url;               // the harness's test server (the zone matters)
  int browser_attach_timeout_ms = 60'000;  // 0 would wait forever
  int page_load_timeout_ms = 120'000;
  int script_timeout_ms = 60'000;
  // Edge IE mode: msedge.exe; empty = the default install path below.
  std::string edge_path;
  // The driver runs elevated: Edge re-launches unelevated, so the window-PID match must be off
  // (ie.ignoreprocessmatch; one Edge instance only).
  bool elevated_driver = false;
  bool native_events = false;  // false: JS-simulated events, deterministic for soaks (§1.3)
  bool ensure_clean_session = false;  // clears the caches of *all* IE instances: off by default
  std::string browser_command_line_switches;  // with ie.forceCreateProcessApi only: "-nomerge"
  // Build driver capabilities even for a profile the driver does not support (the lab's
  // experiment of reference §8 question 4: can IEDriverServer64 attach to EPM at all?).
  bool force_driver = false;
};

constexpr const char* kDefaultEdgePath =
    "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe";

// The alwaysMatch capabilities of New Session; nullopt for a page-mode-only profile unless
// options.force_driver.
std::optional<nlohmann::json> ie_capabilities(const IeProfileSpec& profile,
                                              const IeSessionOptions& options);
// "IEDriverServer.exe" of the profile's bitness inside `dir` (the lab keeps both builds in
// drivers\x86 and drivers\x64; see docs/windows-lab.md).
std::string iedriver_relative_path(const IeProfileSpec& profile);
// Command-line switches: /port, /host=127.0.0.1, /log-level, /log-file, /extract-path.
std::vector<std::string> iedriver_arguments(int port, const std::string& log_file,
                                            const std::string& extract_dir,
                                            const std::string& log_level = "INFO");

struct IeDriverBanner {
  std::string version;  // "4.14.0.0"
  int bits = 0;         // 32 / 64
  int port = 0;
  bool local_only = false;
};
// From the driver's stdout: "Started InternetExplorerDriver server (32-bit)", "4.14.0.0",
// "Listening on port 5555", "Only local connections are allowed". nullopt until the port line.
std::optional<IeDriverBanner> parse_iedriver_banner(std::string_view text);
// IEDriverServer's own exit codes (1 DLL extract failed, 2 DLL load failed, 3 entry point not
// found, 4 server start failed) in words.
std::string iedriver_exit_reason(int exit_code);

// ---- Registry ---------------------------------------------------------------------------------

struct IeRegistryRequirement {
  RegistryChange change;        // what the harness writes (or deletes) when it is not so already
  // HKLM: set once by an administrator when the lab machine is provisioned; the harness only
  // verifies it unless it runs elevated and is allowed to write machine keys.
  bool machine_wide = false;
  // A missing value satisfies the requirement too (the default is what the mode needs).
  bool absent_ok = false;
  std::vector<RegistryKey> higher;  // policy (and other) locations that override change.key
  std::vector<RegistryKey> lower;   // locations change.key overrides (HKLM preferences)
};

std::vector<IeRegistryRequirement> ie_registry_requirements(const IeProfileSpec& profile);

struct IeRegistryCheck {
  std::string what;             // "HKCU\...\Main!TabProcGrowth (TabProcGrowth=0: ...)"
  std::optional<RegistryValue> effective;
  std::string effective_source; // where the effective value comes from ("" = default)
  bool satisfied = false;
  // The harness can make it so by writing change.key (false: a policy, Security_HKLM_only or a
  // machine key decides; the mode is not applicable on this machine as configured).
  bool fixable = false;
  std::string problem;          // a sentence when !satisfied
};

// Effective values with precedence (reference §3.3): HKLM policy > HKCU policy > HKCU preference >
// HKLM preference; zones: Security_HKLM_only=1 means only HKLM zones count. `may_write_machine`:
// the harness runs elevated and may apply machine-wide values.
std::vector<IeRegistryCheck> check_ie_registry(Registry& registry, const IeProfileSpec& profile,
                                               bool may_write_machine = false);

// Applies every unsatisfied requirement through the journal, then checks again. Throws
// RegistryError with every reason when a requirement cannot be met (nothing is left applied:
// the caller's journal restores). Returns the number of values changed.
int apply_ie_registry(Registry& registry, RegistryJournal& journal, const IeProfileSpec& profile,
                      bool may_write_machine = false);

// ActiveX add-on components (scenario `components: [{activex: "{CLSID}"}]`): what enables or
// disables each for a run, as IE's Manage Add-ons does it: value Flags = DWORD 1 under
// HKCU "Software\Microsoft\Windows\CurrentVersion\Ext\Settings\{CLSID}" disables the add-on;
// enabling removes the value (IE deletes the key). A policy (Policies\Ext\CLSID) overrides both;
// the harness never writes policy keys. Applied through the registry journal, restored at the
// end.
std::vector<RegistryChange> add_on_registry_changes(
    const std::vector<LaunchOptions::AddOn>& add_ons);

// ---- Processes --------------------------------------------------------------------------------

// ProcessTreeOptions::classify for a profile: IEDriverServer = driver; iexplore.exe without
// SCODEF = frame (kBrowser), with SCODEF:<pid> = tab (kRenderer, subtype "tab", or "iemode" with
// APPID:MSEdge); with TabProcGrowth=0 the frame holds the page (kRenderer, subtype "frame+tab");
// msedge.exe: the browser process kBrowser "msedge", its own children kOther "msedge-<type>"
// (Edge's renderers do not hold the IE-mode page).
ProcessClass classify_ie(const IeProfileSpec& profile, std::string_view cmdline);
ProcessClassifier ie_classifier(const IeProfileSpec& profile);

// IE's tab processes carry "SCODEF:<frame pid>" (and Edge IE mode "APPID:MSEdge") on their
// command line: `"C:\Program Files (x86)\Internet Explorer\IEXPLORE.EXE" SCODEF:4242 CREDAT:9730`.
// Case-insensitive, a whole token. nullopt when absent or malformed.
std::optional<std::int64_t> scodef_pid(std::string_view cmdline);

// The process tree of an IE session rooted at `roots`: classified by ie_classifier, with tab
// processes adopted by the frame their SCODEF names.
ProcessTreeOptions ie_process_tree_options(const IeProfileSpec& profile, std::vector<Pid> roots);

// One process as the Windows tree sees it (Toolhelp32 + command line + IsWow64Process).
struct IeProcessFacts {
  Pid pid = 0;
  Pid parent_pid = 0;
  std::uint64_t create_time = 0;  // FILETIME
  std::string cmdline;
  bool is_32bit = false;
};

struct IeTab {
  Pid pid = 0;
  bool is_32bit = false;
  bool parent_is_frame = false;  // Toolhelp parent is the SCODEF frame (and older than the tab)
};

struct IeFrame {
  Pid pid = 0;
  bool is_32bit = false;
  bool edge = false;  // msedge.exe hosting IE mode tabs
  std::vector<IeTab> tabs;
};

struct IeTopology {
  std::vector<IeFrame> frames;
  std::vector<std::string> anomalies;  // a tab whose frame is gone, a recycled parent PID, ...
};

// Groups tabs under their frames by SCODEF:<frame pid> (reference §2.2): the PID on the command
// line, confirmed by the Toolhelp parent when the parent is older than the tab (PID reuse).
IeTopology ie_topology(const std::vector<IeProcessFacts>& processes);

}  // namespace harness
