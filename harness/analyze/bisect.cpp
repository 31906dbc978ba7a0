#include "harness/analyze/bisect.hpp"

#include <algorithm>
#include <map>

namespace harness {

namespace {

class Search {
 public:
  Search(const std::vector<std::string>& order, const BisectProbe& probe)
      : order_(order), probe_(probe) {}

  std::vector<std::string> dd(const std::vector<std::string>& c, const std::vector<std::string>& r) {
    if (c.size() <= 1) return c;
    const std::size_t half = (c.size() + 1) / 2;
    const std::vector<std::string> c1(c.begin(), c.begin() + static_cast<long>(half));
    const std::vector<std::string> c2(c.begin() + static_cast<long>(half), c.end());
    if (test(unite(r, c1))) return dd(c1, r);
    if (test(unite(r, c2))) return dd(c2, r);
    const auto left = dd(c1, unite(r, c2));
    const auto right = dd(c2, unite(r, c1));
    return unite(left, right);
  }

 private:
  // Union in the components' declared order, so equal sets are spelled the same.
  std::vector<std::string> unite(const std::vector<std::string>& a,
                                 const std::vector<std::string>& b) const {
    std::vector<std::string> out;
    for (const auto& name : order_) {
      if (std::find(a.begin(), a.end(), name) != a.end() ||
          std::find(b.begin(), b.end(), name) != b.end()) {
        out.push_back(name);
      }
    }
    return out;
  }

  bool test(const std::vector<std::string>& present) {
    auto it = seen_.find(present);
    if (it != seen_.end()) return it->second;
    const bool regressed = probe_(present);
    seen_.emplace(present, regressed);
    return regressed;
  }

  const std::vector<std::string>& order_;
  const BisectProbe& probe_;
  std::map<std::vector<std::string>, bool> seen_;
};

}  // namespace

std::vector<std::string> find_culprits(const std::vector<std::string>& components,
                                       const BisectProbe& probe) {
  Search search(components, probe);
  return search.dd(components, {});
}

}  // namespace harness
