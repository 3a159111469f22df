#include "conf/error.hpp"

#include <charconv>

namespace lvsd::conf {

std::string format_error(const ConfigError& error) {
  std::string out;
  if (!error.location.file.empty()) out += error.location.file + ":";
  if (error.location.line > 0) {
    out += std::to_string(error.location.line) + ":";
    if (error.location.column > 0) out += std::to_string(error.location.column) + ":";
  }
  if (!out.empty()) out += " ";
  if (!error.path.empty()) out += error.path + ": ";
  out += error.message;
  return out;
}

void SourceMap::set(const std::string& path, Location location) {
  locations_.insert_or_assign(path, std::move(location));
}

Location SourceMap::find(std::string path) const {
  while (true) {
    if (auto it = locations_.find(path); it != locations_.end()) return it->second;
    if (resolver_ && !path.empty()) {
      if (auto found = resolver_(path)) return *found;
    }
    // Strip the last ".key" or "[n]".
    auto cut = path.find_last_of(".[");
    if (cut == std::string::npos) break;
    path.resize(cut);
  }
  if (auto it = locations_.find(""); it != locations_.end()) return it->second;
  return {};
}

// These build a path in one allocation (parent + "." + key made two): the
// keepalived.conf import makes several paths per real server.
std::string join_path(const std::string& parent, const std::string& key) {
  if (parent.empty()) return key;
  std::string out;
  out.reserve(parent.size() + 1 + key.size());
  out.append(parent).append(1, '.').append(key);
  return out;
}

namespace {
// The most "[index]" takes: 20 digits and the brackets.
constexpr std::size_t kIndexRoom = 22;
// Appends "[index]" to `out`.
void append_index(std::string& out, std::size_t index) {
  char digits[20];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, index);
  out.append(1, '[').append(digits, end).append(1, ']');
}
}  // namespace

std::string index_path(const std::string& parent, std::size_t index) {
  std::string out;
  assign_index_path(out, parent, index);
  return out;
}

void assign_index_path(std::string& out, const std::string& parent, std::size_t index) {
  out.reserve(parent.size() + kIndexRoom);
  out.assign(parent);
  append_index(out, index);
}

std::string element_path(const std::string& parent, std::string_view key, std::size_t index) {
  std::string out;
  out.reserve(parent.size() + 1 + key.size() + kIndexRoom);
  if (!parent.empty()) out.append(parent).append(1, '.');
  out.append(key);
  append_index(out, index);
  return out;
}

bool paths_overlap(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return false;
  const std::string& shorter = a.size() <= b.size() ? a : b;
  const std::string& longer = a.size() <= b.size() ? b : a;
  if (longer.compare(0, shorter.size(), shorter) != 0) return false;
  return longer.size() == shorter.size() || longer[shorter.size()] == '.' || longer[shorter.size()] == '[';
}

void ErrorPaths::add(const std::string& path) {
  if (!path.empty()) paths_.insert(path);
}

bool ErrorPaths::overlaps(const std::string& path) const {
  if (path.empty()) return false;
  if (paths_.count(path)) return true;
  for (std::size_t i = 1; i < path.size(); ++i)  // a recorded path contains it
    if ((path[i] == '.' || path[i] == '[') && paths_.count(path.substr(0, i))) return true;
  for (const char* sep : {".", "["}) {  // it contains a recorded path
    const std::string inside = path + sep;
    auto it = paths_.lower_bound(inside);
    if (it != paths_.end() && it->starts_with(inside)) return true;
  }
  return false;
}

}  // namespace lvsd::conf
