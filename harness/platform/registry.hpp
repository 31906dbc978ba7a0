// The registry seam (STYLE.md 5): the journal and the IE profiles' effective-value checks talk
// to this interface; registry_windows.cpp is the real one (both registry views), the Linux unit
// tests use a fake. Keys are UTF-8 paths with backslashes; values keep their raw bytes so that a
// restore writes back exactly what was there (REG_SZ as UTF-16LE with its terminating NUL).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

enum class RegistryHive { kCurrentUser, kLocalMachine };

// KEY_WOW64_64KEY / KEY_WOW64_32KEY. HKCU\Software is shared between the views, HKLM\SOFTWARE
// is redirected for 32-bit programs (Wow6432Node): the harness always names the view it means
// (reference ie11-windows.md §3.3).
enum class RegistryView { k64, k32 };

struct RegistryKey {
  RegistryHive hive = RegistryHive::kCurrentUser;
  RegistryView view = RegistryView::k64;
  std::string path;  // "Software\\Microsoft\\Internet Explorer\\Main"
  bool operator==(const RegistryKey& o) const {
    return hive == o.hive && view == o.view && path == o.path;
  }
};

// The parent key path ("" for a top-level key).
std::string parent_key_path(std::string_view path);
// "HKCU\Software\...\Main" (+ " [32-bit view]" for the 32-bit view of HKLM).
std::string describe_key(const RegistryKey& key);
std::string describe_value(const RegistryKey& key, std::string_view name);
const char* hive_name(RegistryHive hive);  // "HKCU", "HKLM"
std::optional<RegistryHive> parse_hive(std::string_view name);

// winnt.h REG_* numbers; the journal stores them as they are.
enum class RegistryType : std::uint32_t {
  kNone = 0,
  kSz = 1,
  kExpandSz = 2,
  kBinary = 3,
  kDword = 4,
  kMultiSz = 7,
  kQword = 11,
};

struct RegistryValue {
  RegistryType type = RegistryType::kNone;
  std::vector<std::uint8_t> data;

  static RegistryValue dword(std::uint32_t value);
  static RegistryValue string(std::string_view utf8);  // REG_SZ, UTF-16LE + NUL

  // DWORD value, or a REG_SZ holding a decimal number (IEDriverServer accepts TabProcGrowth as
  // either and compares the text with "0").
  std::optional<std::uint32_t> as_number() const;
  // REG_SZ / REG_EXPAND_SZ text without the terminating NUL; DWORDs as decimal text.
  std::string as_text() const;
  // "REG_DWORD 0x00000000 (0)", "REG_SZ \"PMEM\"": for messages.
  std::string describe() const;

  bool operator==(const RegistryValue& o) const { return type == o.type && data == o.data; }
  bool operator!=(const RegistryValue& o) const { return !(*this == o); }
};

// Same setting: identical, or both numbers with the same value (REG_SZ "0" == REG_DWORD 0),
// or both strings equal ignoring case (Windows compares PMEM/pmem alike).
bool equivalent_values(const RegistryValue& a, const RegistryValue& b);

class RegistryError : public std::runtime_error {
 public:
  explicit RegistryError(const std::string& message) : std::runtime_error(message) {}
};

class Registry {
 public:
  virtual ~Registry() = default;
  virtual bool key_exists(const RegistryKey& key) = 0;
  // nullopt when the value (or its key) does not exist. Throws RegistryError on other failures
  // (access denied).
  virtual std::optional<RegistryValue> read(const RegistryKey& key, std::string_view name) = 0;
  // Creates the key and its missing parents. Throws RegistryError.
  virtual void write(const RegistryKey& key, std::string_view name, const RegistryValue& value) = 0;
  // Deletes a value; a missing value or key is not an error. Throws RegistryError.
  virtual void remove_value(const RegistryKey& key, std::string_view name) = 0;
  // Deletes the key if it has neither values nor subkeys; false when it was kept or missing.
  virtual bool remove_key_if_empty(const RegistryKey& key) = 0;
};

}  // namespace harness
