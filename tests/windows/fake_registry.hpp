// An in-memory Registry for the Linux unit tests of the logic above the seam (journal, IE
// registry checks). It models what that logic depends on: case-insensitive key and value names,
// parent keys created by a write, empty-key deletion, and the 32-bit view of HKLM\SOFTWARE being
// a different key (Wow6432Node) while HKCU and HKLM\SOFTWARE\Policies are shared. The real
// registry is tested under Wine (tests/windows/registry_windows_test.cpp).
#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>

#include "harness/platform/registry.hpp"

namespace harness::testing {

class FakeRegistry : public Registry {
 public:
  bool key_exists(const RegistryKey& key) override { return keys_.count(id(key)) > 0; }

  std::optional<RegistryValue> read(const RegistryKey& key, std::string_view name) override {
    ++reads;
    auto it = values_.find({id(key), lower(std::string(name))});
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }

  void write(const RegistryKey& key, std::string_view name, const RegistryValue& value) override {
    if (!fail_writes_under.empty() && lower(key.path).find(lower(fail_writes_under)) == 0) {
      throw RegistryError("access denied (fake)");
    }
    create_key(key);
    values_[{id(key), lower(std::string(name))}] = ignore_writes_of == name ? RegistryValue::dword(42)
                                                                           : value;
    ++writes;
  }

  void remove_value(const RegistryKey& key, std::string_view name) override {
    values_.erase({id(key), lower(std::string(name))});
  }

  bool remove_key_if_empty(const RegistryKey& key) override {
    const std::string k = id(key);
    if (!keys_.count(k)) return false;
    for (const auto& [vk, v] : values_) {
      if (vk.first == k) return false;
    }
    for (const auto& other : keys_) {
      if (other.size() > k.size() && other.compare(0, k.size(), k) == 0 && other[k.size()] == '\\') {
        return false;
      }
    }
    keys_.erase(k);
    return true;
  }

  void create_key(const RegistryKey& key) {
    RegistryKey k = key;
    while (!k.path.empty()) {
      keys_.insert(id(k));
      k.path = parent_key_path(k.path);
    }
  }

  std::size_t key_count() const { return keys_.size(); }
  std::size_t value_count() const { return values_.size(); }
  // Every key and value, to compare whole states.
  std::string dump() const {
    std::string out;
    for (const auto& k : keys_) out += "key " + k + "\n";
    for (const auto& [k, v] : values_) out += "value " + k.first + "!" + k.second + " = " + v.describe() + "\n";
    return out;
  }

  std::string fail_writes_under;  // writes to keys below this path throw
  std::string ignore_writes_of;   // this value name reads back wrong (a policy agent rewriting it)
  int reads = 0;
  int writes = 0;

 private:
  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  static std::string id(const RegistryKey& key) {
    std::string path = lower(key.path);
    if (key.hive == RegistryHive::kLocalMachine && key.view == RegistryView::k32 &&
        path.rfind("software\\", 0) == 0 && path.rfind("software\\policies", 0) != 0) {
      path = "software\\wow6432node\\" + path.substr(9);
    }
    return std::string(hive_name(key.hive)) + "\\" + path;
  }

  std::set<std::string> keys_;
  std::map<std::pair<std::string, std::string>, RegistryValue> values_;
};

}  // namespace harness::testing
