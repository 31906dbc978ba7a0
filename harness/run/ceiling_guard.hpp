// The ceiling, enforced on every sample (README "Ceilings, crashes, hangs and dumps"):
//   observe  a `ceiling_reached` event when the renderers' private memory passes it
//   kill     the renderer over it is ended by its recorded PID; a spike between two samples is
//            caught through the renderer's own peak (VmHWM − shared)
//   limit    each renderer gets a data limit calibrated as VmData − private + ceiling, moved as
//            its reservations grow, so its own allocations fail at the ceiling
// What it does to processes goes through ProcessControl, so the rules are tested without one.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "harness/model/run_model.hpp"
#include "harness/platform/process.hpp"
#include "harness/scenario/scenario.hpp"

namespace harness {

// The seam between the guard and the processes of the browser under test.
class ProcessControl {
 public:
  virtual ~ProcessControl() = default;
  // The identity (PID + start time) of a current member of the browser's tree.
  virtual std::optional<ProcessIdentity> identity_of(Pid pid) = 0;
  virtual std::optional<ProcessStatus> status(Pid pid) = 0;
  virtual void kill(const ProcessIdentity& identity) = 0;
  virtual bool set_data_limit(const ProcessIdentity& identity, std::uint64_t bytes,
                              std::string* error) = 0;
};

// A renderer's VmData exceeds its private memory by this much once its V8 and PartitionAlloc
// reservations are made (measured: ~590 MB in Chromium 156; ~0 right after the fork).
inline constexpr std::uint64_t kReservationsReadyBytes = 256ull << 20;
// The data limit is moved when its calibration changed by more than this.
inline constexpr std::uint64_t kRecalibrateBytes = 1ull << 20;

struct CeilingCrossing {
  int iteration = 0;
  std::int64_t t_ms = 0;
  double bytes = 0;
  std::optional<Pid> killed_pid;  // enforce: kill
};

class CeilingGuard {
 public:
  using EventSink = std::function<void(const EventRecord&)>;
  CeilingGuard(Ceiling ceiling, ProcessControl& control, EventSink events);

  // One sample (the sampler's thread). `renderer_private` is the page renderers' sum. Returns
  // the crossing the first time the ceiling is passed; events go to the sink.
  std::optional<CeilingCrossing> check(const SampleBatch& batch, double renderer_private);

  bool reached() const { return reached_; }
  bool killed() const { return killed_; }
  // A new browser: its renderers get limits of their own.
  void forget_limits() { limited_.clear(); }

 private:
  void apply_data_limits(const SampleBatch& batch);

  Ceiling ceiling_;
  ProcessControl& control_;
  EventSink events_;
  bool reached_ = false;
  bool killed_ = false;
  std::map<Pid, std::uint64_t> limited_;  // renderer -> its data limit
};

}  // namespace harness
