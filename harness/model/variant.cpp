#include "harness/model/variant.hpp"

namespace harness {

std::string variant_label(const VariantValues& variant, std::string_view separator) {
  std::string out;
  for (const auto& [name, value] : variant) {
    if (!out.empty()) out += separator;
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

}  // namespace harness
