#include "harness/platform/windows/registry_windows.hpp"

#include <windows.h>

#include <fmt/format.h>

#include "harness/platform/windows/system_windows.hpp"
#include "harness/platform/windows_unicode.hpp"

namespace harness {

namespace {

HKEY root_of(const RegistryKey& key) {
  return key.hive == RegistryHive::kCurrentUser ? HKEY_CURRENT_USER : HKEY_LOCAL_MACHINE;
}

REGSAM view_of(const RegistryKey& key) {
  return key.view == RegistryView::k64 ? KEY_WOW64_64KEY : KEY_WOW64_32KEY;
}

[[noreturn]] void fail(const std::string& what, const RegistryKey& key, std::string_view name,
                       LSTATUS status) {
  throw RegistryError(fmt::format("{} {}: {}", what,
                                  name.empty() ? describe_key(key) : describe_value(key, name),
                                  windows_error_text(static_cast<std::uint32_t>(status))));
}

class Key {
 public:
  Key() = default;
  ~Key() {
    if (h_) ::RegCloseKey(h_);
  }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  HKEY* out() { return &h_; }
  HKEY get() const { return h_; }

 private:
  HKEY h_ = nullptr;
};

LSTATUS open(const RegistryKey& key, REGSAM access, Key& out) {
  return ::RegOpenKeyExW(root_of(key), to_wide(key.path).c_str(), 0, access | view_of(key),
                         out.out());
}

}  // namespace

bool WindowsRegistry::key_exists(const RegistryKey& key) {
  Key k;
  const LSTATUS s = open(key, KEY_QUERY_VALUE, k);
  if (s == ERROR_SUCCESS) return true;
  if (s == ERROR_FILE_NOT_FOUND || s == ERROR_PATH_NOT_FOUND) return false;
  fail("cannot open", key, "", s);
}

std::optional<RegistryValue> WindowsRegistry::read(const RegistryKey& key, std::string_view name) {
  Key k;
  LSTATUS s = open(key, KEY_QUERY_VALUE, k);
  if (s == ERROR_FILE_NOT_FOUND || s == ERROR_PATH_NOT_FOUND) return std::nullopt;
  if (s != ERROR_SUCCESS) fail("cannot open", key, "", s);
  const std::wstring wname = to_wide(name);
  // Size first, then the data; the value may grow in between (another writer): retry.
  for (int attempt = 0; attempt < 4; ++attempt) {
    DWORD type = 0, size = 0;
    s = ::RegQueryValueExW(k.get(), wname.c_str(), nullptr, &type, nullptr, &size);
    if (s == ERROR_FILE_NOT_FOUND) return std::nullopt;
    if (s != ERROR_SUCCESS) fail("cannot read", key, name, s);
    RegistryValue v;
    v.type = static_cast<RegistryType>(type);
    v.data.resize(size);
    s = ::RegQueryValueExW(k.get(), wname.c_str(), nullptr, &type, v.data.data(), &size);
    if (s == ERROR_MORE_DATA) continue;
    if (s == ERROR_FILE_NOT_FOUND) return std::nullopt;
    if (s != ERROR_SUCCESS) fail("cannot read", key, name, s);
    v.type = static_cast<RegistryType>(type);
    v.data.resize(size);
    return v;
  }
  fail("cannot read (keeps changing)", key, name, ERROR_MORE_DATA);
}

void WindowsRegistry::write(const RegistryKey& key, std::string_view name,
                            const RegistryValue& value) {
  Key k;
  LSTATUS s = ::RegCreateKeyExW(root_of(key), to_wide(key.path).c_str(), 0, nullptr,
                                REG_OPTION_NON_VOLATILE, KEY_SET_VALUE | view_of(key), nullptr,
                                k.out(), nullptr);
  if (s != ERROR_SUCCESS) fail("cannot create", key, "", s);
  s = ::RegSetValueExW(k.get(), to_wide(name).c_str(), 0, static_cast<DWORD>(value.type),
                       value.data.data(), static_cast<DWORD>(value.data.size()));
  if (s != ERROR_SUCCESS) fail("cannot write", key, name, s);
}

void WindowsRegistry::remove_value(const RegistryKey& key, std::string_view name) {
  Key k;
  LSTATUS s = open(key, KEY_SET_VALUE, k);
  if (s == ERROR_FILE_NOT_FOUND || s == ERROR_PATH_NOT_FOUND) return;
  if (s != ERROR_SUCCESS) fail("cannot open", key, "", s);
  s = ::RegDeleteValueW(k.get(), to_wide(name).c_str());
  if (s != ERROR_SUCCESS && s != ERROR_FILE_NOT_FOUND) fail("cannot delete", key, name, s);
}

bool WindowsRegistry::remove_key_if_empty(const RegistryKey& key) {
  {
    Key k;
    LSTATUS s = open(key, KEY_QUERY_VALUE | KEY_ENUMERATE_SUB_KEYS, k);
    if (s == ERROR_FILE_NOT_FOUND || s == ERROR_PATH_NOT_FOUND) return false;
    if (s != ERROR_SUCCESS) fail("cannot open", key, "", s);
    DWORD subkeys = 0, values = 0;
    s = ::RegQueryInfoKeyW(k.get(), nullptr, nullptr, nullptr, &subkeys, nullptr, nullptr,
                           &values, nullptr, nullptr, nullptr, nullptr);
    if (s != ERROR_SUCCESS) fail("cannot inspect", key, "", s);
    if (subkeys || values) return false;
  }
  const LSTATUS s = ::RegDeleteKeyExW(root_of(key), to_wide(key.path).c_str(), view_of(key), 0);
  if (s == ERROR_FILE_NOT_FOUND) return false;
  if (s != ERROR_SUCCESS) fail("cannot delete", key, "", s);
  return true;
}

RegistryLock::RegistryLock() {
  HANDLE m = ::CreateMutexW(nullptr, FALSE, L"Local\\browser-harness-registry");
  if (!m) throw RegistryError("cannot create the registry lock: " + windows_error_text(::GetLastError()));
  const DWORD w = ::WaitForSingleObject(m, 60'000);
  // WAIT_ABANDONED: the previous owner died holding it; the journal makes that safe.
  if (w != WAIT_OBJECT_0 && w != WAIT_ABANDONED) {
    ::CloseHandle(m);
    throw RegistryError("another harness holds the registry lock for more than 60 s");
  }
  mutex_ = m;
}

RegistryLock::~RegistryLock() {
  ::ReleaseMutex(static_cast<HANDLE>(mutex_));
  ::CloseHandle(static_cast<HANDLE>(mutex_));
}

RestoreReport restore_pending_journal(const std::filesystem::path& file) {
  WindowsRegistry registry;
  RegistryLock lock;
  return restore_pending_journal(file, registry);
}

std::vector<RestoreReport> restore_stale_journals(const std::filesystem::path& dir) {
  WindowsRegistry registry;
  RegistryLock lock;
  return restore_stale_journals(dir, registry,
                                [](const ProcessIdentity& id) { return process_alive(id); });
}

}  // namespace harness
