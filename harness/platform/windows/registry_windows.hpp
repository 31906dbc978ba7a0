// The real Registry (advapi32), both views through KEY_WOW64_64KEY / KEY_WOW64_32KEY, and the
// Windows entry points of the journal's recovery (Windows only).
#pragma once

#include <filesystem>
#include <vector>

#include "harness/platform/registry.hpp"
#include "harness/platform/registry_journal.hpp"

namespace harness {

class WindowsRegistry final : public Registry {
 public:
  bool key_exists(const RegistryKey& key) override;
  std::optional<RegistryValue> read(const RegistryKey& key, std::string_view name) override;
  void write(const RegistryKey& key, std::string_view name, const RegistryValue& value) override;
  void remove_value(const RegistryKey& key, std::string_view name) override;
  bool remove_key_if_empty(const RegistryKey& key) override;
};

// Held while journaling and applying or restoring, so two harnesses on one machine never
// interleave their changes (named mutex "Local\browser-harness-registry": one user session).
class RegistryLock {
 public:
  RegistryLock();
  ~RegistryLock();
  RegistryLock(const RegistryLock&) = delete;
  RegistryLock& operator=(const RegistryLock&) = delete;

 private:
  void* mutex_ = nullptr;
};

// `harness doctor --restore FILE`: one journal, whoever owned it.
RestoreReport restore_pending_journal(const std::filesystem::path& file);
// Every harness start: journals in `dir` whose owner (PID + creation time) no longer runs.
std::vector<RestoreReport> restore_stale_journals(const std::filesystem::path& dir);

}  // namespace harness
