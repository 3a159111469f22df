#pragma once
// keepalived.conf block syntax -> a tree of statements, with no knowledge of
// what the keywords mean (conf/keepalived_import.cpp does that). Handles
// braces anywhere on a line (a '{' that starts a line opens the block of the
// statement before it, as in keepalived), "quoted strings", comments starting with # or !,
// keepalived's preprocessing (conf/keepalived_preprocess.hpp)
// and `include PATTERN` (glob, relative to the including file's directory).
// Reading is behind IncludeReader, so the parsing itself touches no files.
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "conf/error.hpp"
#include "core/result.hpp"

namespace lvsd::conf {

// Where a word is: the file name is shared by every word of the file (a
// KaParseResult owns the names), so a word costs no copy of it. Converts to
// a Location wherever one is wanted (errors, source maps).
struct KaLocation {
  const std::string* file = nullptr;
  int line = 0;
  int column = 0;

  operator Location() const {  // NOLINT(google-explicit-constructor): used as a Location everywhere
    return Location{.file = file != nullptr ? *file : std::string(), .line = line, .column = column};
  }
};

struct KaWord {
  std::string text{};
  KaLocation location{};
  bool quoted = false;  // was "in quotes": never a keyword
};

// `keyword arg arg { children }`; has_block tells `x {}` from `x`.
struct KaStatement {
  KaWord keyword{};
  std::vector<KaWord> args{};
  bool has_block = false;
  std::vector<KaStatement> children{};
};

struct KaFile {
  std::string path{};
  std::string content{};
};

// Resolves `include pattern` seen in including_file: the matching files in
// name order, or an error message (which names the file). Their contents add
// up to at most max_bytes (what is left of the load's kMaxConfigLoadBytes);
// more is an error. An empty list (a pattern that matched nothing) is not an
// error: the parser warns.
using IncludeReader = std::function<core::Result<std::vector<KaFile>>(
    const std::string& pattern, const std::string& including_file, std::size_t max_bytes)>;

// The file system. A pattern with a wildcard (*, ? or [) is a glob(3) and may
// match nothing; a pattern without one names one file, which must exist.
// Relative patterns start at the including file's directory. Only regular
// files of at most kMaxConfigFileBytes are read (conf/read_file.hpp).
IncludeReader filesystem_include_reader();
// Refuses every include (for parsing text that must not touch the file system).
IncludeReader no_include_reader();

struct KaParseResult {
  // The names of the files read, which every KaLocation of the statements
  // points into (shared: copies of the result stay valid).
  std::shared_ptr<std::deque<std::string>> files = std::make_shared<std::deque<std::string>>();
  std::vector<KaStatement> statements{};
  std::vector<ConfigError> errors{};
  std::vector<ConfigError> warnings{};  // includes that matched no file
};

// keepalived's config id, which `@ID` and `@^ID` lines are compared with
// (keepalived -i / --config-id); none: the host's, host_config_id()
// (conf/keepalived_preprocess.hpp).
using KaConfigId = std::optional<std::string>;

// One pass: the text is cut into words line by line as the parser asks for
// them (no list of every token), after keepalived's preprocessing of each
// line (@ID, $NAME=, $NAME, ~SEQ), and included files are read when their
// `include` line is reached.
KaParseResult parse_keepalived(std::string_view text, const std::string& file, const IncludeReader& includes,
                               const KaConfigId& config_id = std::nullopt);

// The same, handing each top-level statement to `sink` as soon as it is
// complete (its block read), so that a reader can take the file one block at
// a time instead of holding the whole tree. The statements' locations point
// into `files`, which must outlive them; errors and warnings as above.
void parse_keepalived_each(std::string_view text, const std::string& file, const IncludeReader& includes,
                           std::deque<std::string>& files, std::vector<ConfigError>& errors,
                           std::vector<ConfigError>& warnings, const std::function<void(KaStatement&&)>& sink,
                           const KaConfigId& config_id = std::nullopt);

}  // namespace lvsd::conf
