#include "harness/platform/process_tree.hpp"

namespace harness {

std::optional<ProcessStatus> ProcessSource::status(Pid pid) { return read_process_status(pid); }

void ProcessSource::kill(const ProcessIdentity& identity) { kill_process(identity); }

bool ProcessSource::set_data_limit(const ProcessIdentity& identity, std::uint64_t bytes,
                                   std::string* error) {
  return harness::set_data_limit(identity, bytes, error);
}

}  // namespace harness
