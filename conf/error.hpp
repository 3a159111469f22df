#pragma once
// Configuration errors are values: every problem found is collected, each with
// where it is (file, 1-based line and column), which key (a path such as
// virtual_servers[1].real_servers[0].weight) and what is wrong and allowed.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.hpp"
#include "conf/item_spans.hpp"

namespace lvsd::conf {

struct Location {
  std::string file{};
  int line = 0;    // 1-based; 0: unknown
  int column = 0;  // 1-based; 0: unknown

  bool operator==(const Location&) const = default;
};

struct ConfigError {
  Location location{};
  std::string path{};     // key path; empty for syntax errors
  std::string message{};  // the bad value and what is allowed

  bool operator==(const ConfigError&) const = default;
};

// "file:line:col: key.path: message" (parts that are unknown are left out).
std::string format_error(const ConfigError& error);

// Where each key path was found in the source; the loaders fill it and the
// validator uses it to place errors about the model.
class SourceMap {
 public:
  void set(const std::string& path, Location location);
  // Asked for a path that was not set (the exact path; find() itself walks
  // up to the parents). The YAML loader looks paths up in its document tree
  // this way instead of recording a location for every key of a large file.
  using Resolver = std::function<std::optional<Location>(const std::string& path)>;
  void set_resolver(Resolver resolver) { resolver_ = std::move(resolver); }
  // The location of path, or of its nearest recorded parent, or an empty one.
  Location find(std::string path) const;

 private:
  std::map<std::string, Location> locations_{};
  Resolver resolver_{};
};

// What a reload of the same file needs to read again only the virtual
// server an edit changed (reload_content in conf/loader.hpp).
struct ReloadBasis {
  ItemSpans spans;
  // keepalived.conf: the first line of each item and the line after its
  // last (begin, end, begin, end, ...), and the load's warnings, which a
  // reload that reads one virtual server gives again, moved with their lines.
  std::vector<std::uint32_t> lines{};
  std::vector<ConfigError> warnings{};
};

struct LoadResult {
  std::optional<Config> config{};       // set if and only if errors is empty
  std::vector<ConfigError> errors{};
  std::vector<ConfigError> warnings;  // keys accepted but ignored (keepalived import)
  // Where each virtual server is in the file's bytes, when a reload may read
  // again only the one an edit changed (conf/loader.hpp reload_content).
  std::optional<ReloadBasis> reload{};

  bool ok() const { return errors.empty() && config.has_value(); }
};

// Key path helpers: join("a", "b") == "a.b"; index("a", 2) == "a[2]".
std::string join_path(const std::string& parent, const std::string& key);
std::string index_path(const std::string& parent, std::size_t index);
// out = index_path(parent, index), in out's own buffer: a loop over a list's
// items reuses one string instead of allocating a path per item.
void assign_index_path(std::string& out, const std::string& parent, std::size_t index);
// index_path(join_path(parent, key), index), in one allocation.
std::string element_path(const std::string& parent, std::string_view key, std::size_t index);
// True if one path is the other or inside it ("a.b" and "a.b[0].c"). The loaders
// use it so a value that failed to parse does not also get a rule error.
bool paths_overlap(const std::string& a, const std::string& b);

// The key paths that already have an error: whether a path overlaps one of
// them (paths_overlap), looked up in an ordered set rather than against every
// error (a file with an error per real server has tens of thousands).
class ErrorPaths {
 public:
  void add(const std::string& path);  // an empty path is not recorded
  bool overlaps(const std::string& path) const;

 private:
  std::set<std::string> paths_;
};

}  // namespace lvsd::conf
