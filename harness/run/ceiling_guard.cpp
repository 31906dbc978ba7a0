#include "harness/run/ceiling_guard.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "harness/model/units.hpp"

namespace harness {

using nlohmann::json;

CeilingGuard::CeilingGuard(Ceiling ceiling, ProcessControl& control, EventSink events)
    : ceiling_(std::move(ceiling)), control_(control), events_(std::move(events)) {}

std::optional<CeilingCrossing> CeilingGuard::check(const SampleBatch& batch,
                                                   double renderer_private) {
  const double limit = static_cast<double>(ceiling_.bytes);
  if (ceiling_.enforce == CeilingEnforcement::kLimit) apply_data_limits(batch);
  if (reached_) return std::nullopt;
  // kill acts on the renderer over the ceiling; VmHWM − shared is that renderer's peak since
  // it started, so a spike between two samples is not missed.
  const ProcessReading* over = nullptr;
  double over_bytes = renderer_private;
  if (ceiling_.enforce == CeilingEnforcement::kKill) {
    for (const auto& p : batch.processes) {
      if (!is_page_renderer(p)) continue;
      double peak = static_cast<double>(p.private_bytes);
      if (auto status = control_.status(p.pid)) {
        const double shared = static_cast<double>(p.rss_bytes - p.private_bytes);
        peak = std::max(peak, static_cast<double>(status->peak_rss_bytes) - shared);
      }
      if (peak > limit) {
        over = &p;
        over_bytes = peak;
        break;
      }
    }
    if (!over) return std::nullopt;
  } else if (renderer_private <= limit) {
    return std::nullopt;
  }
  reached_ = true;
  CeilingCrossing crossing{batch.iteration, batch.t_ms, over_bytes, std::nullopt};
  json details = {{"metric", ceiling_.metric},
                  {"bytes", over_bytes},
                  {"ceiling_bytes", ceiling_.bytes},
                  {"enforce", enforcement_name(ceiling_.enforce)}};
  std::string message = fmt::format("renderer private memory {} passed the ceiling {}",
                                    format_bytes(over_bytes), format_bytes(limit));
  if (over) {
    if (auto id = control_.identity_of(over->pid)) {
      control_.kill(*id);  // by its recorded PID and start time
      killed_ = true;
      crossing.killed_pid = over->pid;
      details["killed_pid"] = over->pid;
      message += fmt::format("; renderer {} ended (SIGKILL)", over->pid);
    }
  }
  events_(EventRecord{batch.t_ms, batch.iteration, "ceiling_reached", message, details});
  return crossing;
}

// The limit is re-calibrated on every sample, because V8 and PartitionAlloc reserve more as the
// heap grows: a limit set once kills the renderer early (measured: at 89 % of a 300 MiB ceiling,
// 94 % of 600 MiB; the reference saw −2 % to −5 % at 1.3 GB).
void CeilingGuard::apply_data_limits(const SampleBatch& batch) {
  for (const auto& p : batch.processes) {
    if (!is_page_renderer(p)) continue;
    auto status = control_.status(p.pid);
    // A renderer fresh from the zygote has not made its V8/PartitionAlloc reservations yet
    // (VmData ~15 MB, then ~600 MB a moment later): calibrating then would set the limit below
    // its own reservations and kill it at once. Wait until they are in place.
    if (!status || status->data_bytes < p.private_bytes + kReservationsReadyBytes) continue;
    const std::uint64_t limit = status->data_bytes - p.private_bytes + ceiling_.bytes;
    auto previous = limited_.find(p.pid);
    if (previous != limited_.end() &&
        (previous->second > limit ? previous->second - limit : limit - previous->second) <
            kRecalibrateBytes) {
      continue;
    }
    auto id = control_.identity_of(p.pid);
    if (!id) continue;
    const bool first = previous == limited_.end();
    std::string error;
    const bool set = control_.set_data_limit(*id, limit, &error);
    limited_[p.pid] = limit;
    if (!first) continue;
    if (!set) {
      events_(EventRecord{batch.t_ms, batch.iteration, "data_limit_failed",
                          fmt::format("renderer {}: {}", p.pid, error), {{"pid", p.pid}}});
      continue;
    }
    events_(EventRecord{batch.t_ms, batch.iteration, "data_limit_applied",
                        fmt::format("renderer {}: RLIMIT_DATA {} (VmData {} − private {} + "
                                    "ceiling {}), re-calibrated as it grows",
                                    p.pid, format_bytes(static_cast<double>(limit)),
                                    format_bytes(static_cast<double>(status->data_bytes)),
                                    format_bytes(static_cast<double>(p.private_bytes)),
                                    format_bytes(static_cast<double>(ceiling_.bytes))),
                        {{"pid", p.pid}, {"limit_bytes", limit}}});
  }
}

}  // namespace harness
