#include "harness/run/checkpoint_metrics.hpp"

#include <algorithm>

#include "harness/model/run_model.hpp"

namespace harness {


std::map<std::string, double> aggregate_process_metrics(
    const std::vector<DetailedReading>& readings) {
  std::map<std::string, double> m;
  double renderers = 0;
  for (const char* name : {metric::kRendererPrivate, metric::kRendererPss,
                           metric::kRendererSmapsPrivate, metric::kBrowserPrivate,
                           metric::kGpuPrivate, metric::kUtilityPrivate, metric::kTreePrivate,
                           metric::kTreePss}) {
    m[name] = 0;
  }
  for (const auto& d : readings) {
    const ProcessReading& r = d.cheap;
    if (r.role == ProcessRole::kDriver) continue;
    m[metric::kTreePrivate] += static_cast<double>(r.private_bytes);
    m[metric::kTreePss] += static_cast<double>(d.pss_bytes);
    if (is_page_renderer(r)) {
      renderers += 1;
      m[metric::kRendererPrivate] += static_cast<double>(r.private_bytes);
      m[metric::kRendererPss] += static_cast<double>(d.pss_bytes);
      m[metric::kRendererSmapsPrivate] += static_cast<double>(d.smaps_private_bytes);
    } else if (r.role == ProcessRole::kBrowser) {
      m[metric::kBrowserPrivate] += static_cast<double>(r.private_bytes);
    } else if (r.role == ProcessRole::kGpu) {
      m[metric::kGpuPrivate] += static_cast<double>(r.private_bytes);
    } else if (r.role == ProcessRole::kUtility) {
      m[metric::kUtilityPrivate] += static_cast<double>(r.private_bytes);
    }
  }
  m[metric::kRendererCount] = renderers;
  // Address-space figures exist only where the platform measures them (Windows, 32-bit tabs):
  // the smallest largest-free-block among the tabs is the one closest to failing.
  bool address_space = false;
  double virtual_bytes = 0, free_bytes = 0, smallest_block = 0;
  for (const auto& d : readings) {
    if (!is_page_renderer(d.cheap) || d.largest_free_block_bytes == 0) continue;
    const double block = static_cast<double>(d.largest_free_block_bytes);
    smallest_block = address_space ? std::min(smallest_block, block) : block;
    address_space = true;
    virtual_bytes += static_cast<double>(d.cheap.virtual_bytes);
    free_bytes += static_cast<double>(d.free_bytes);
  }
  if (address_space) {
    m[metric::kRendererVirtual] = virtual_bytes;
    m[metric::kRendererLargestFreeBlock] = smallest_block;
    m[metric::kRendererFree] = free_bytes;
  }
  return m;
}

double renderer_private_bytes(const std::vector<ProcessReading>& readings) {
  double total = 0;
  for (const auto& r : readings) {
    if (is_page_renderer(r)) total += static_cast<double>(r.private_bytes);
  }
  return total;
}

}  // namespace harness
