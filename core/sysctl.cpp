#include "core/sysctl.hpp"

#include <fstream>

namespace lvsd::core {

std::optional<std::string> read_sysctl(const std::string& root, const std::string& key) {
  std::ifstream in(root + "/" + key);
  std::string value;
  if (!(in >> value)) return std::nullopt;
  return value;
}

core::Status write_sysctl(const std::string& root, const std::string& key, std::string_view value) {
  const std::string path = root + "/" + key;
  std::ofstream out(path);
  if (!out) return core::Error{"cannot open " + path + " (are you root?)"};
  out << value << "\n";
  out.flush();
  if (!out) return core::Error{"cannot write " + std::string(value) + " to " + path};
  return {};
}

}  // namespace lvsd::core
