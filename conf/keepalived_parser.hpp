#pragma once
// keepalived.conf block syntax -> a tree of statements, with no knowledge of
// what the keywords mean (conf/keepalived_import.cpp does that). Handles
// braces anywhere on a line, "quoted strings", comments starting with # or !,
// and `include PATTERN` (glob, relative to the including file's directory).
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "conf/error.hpp"
#include "core/result.hpp"

namespace lvsd::conf {

struct KaWord {
  std::string text{};
  Location location{};
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
// name order (no match is not an error, as with glob), or an error message.
using IncludeReader =
    std::function<core::Result<std::vector<KaFile>>(const std::string& pattern, const std::string& including_file)>;

// glob(3) on the file system; relative patterns start at the including file's directory.
IncludeReader filesystem_include_reader();
// Refuses every include (for parsing text that must not touch the file system).
IncludeReader no_include_reader();

struct KaParseResult {
  std::vector<KaStatement> statements{};
  std::vector<ConfigError> errors{};
};

KaParseResult parse_keepalived(std::string_view text, const std::string& file, const IncludeReader& includes);

}  // namespace lvsd::conf
