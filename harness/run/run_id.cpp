#include "harness/run/run_id.hpp"

#include <cctype>

namespace harness {

std::string make_run_id(const std::string& utc_compact_time, const std::string& scenario,
                        const std::string& browser, const VariantAssignment& variant) {
  std::string id = utc_compact_time + "-" + scenario + "-" + browser;
  const std::string label = variant.label();
  if (!label.empty()) id += "-" + label;
  for (char& c : id) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                    c == '.' || c == '=';
    if (c == ',') c = '_';
    else if (!ok) c = '-';
  }
  return id;
}

}  // namespace harness
