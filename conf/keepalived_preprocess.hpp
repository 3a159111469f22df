#pragma once
// keepalived's preprocessing of keepalived.conf (keepalived.conf(5),
// "ADVANCED CONFIGURATION"), applied to each line before it is cut into words:
//   @ID rest / @^ID rest          rest is read only when the config id is / is not ID
//   $NAME=value                   a definition; a value ending in '\' goes on over the next lines
//   $NAME (then a blank or the end of the line), ${NAME}
//                                 replaced by the value (recursively, when used)
//   ~SEQ(VAR, start, step, end) rest
//                                 rest is read once per value, with $VAR set to it (~SEQx: in hex)
// plus the predefined ${_PWD}, ${_INSTANCE}, ${_HASH} and ${_BANG}.
// Where keepalived 2.2.7's documentation and its behaviour differ, this follows the
// behaviour, as measured with `keepalived -t` (see the notes in the .cpp).
// Pure: lines in, lines out; the lexer (keepalived_parser.cpp) feeds it.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/error.hpp"

namespace lvsd::conf {

// A line to cut into words, with where each of its characters came from:
// text written in the file keeps its column; text a definition put there
// has the column of the $ that used it, on the line of that use.
struct KaLine {
  int line = 0;
  std::string text{};
  std::vector<int> columns{};  // one per character of text
};

// The host's config id as keepalived 2.2.7 makes it: the node name (uname)
// up to its first '.'.
std::string host_config_id();

class KaPreprocessor {
 public:
  explicit KaPreprocessor(std::string config_id) : config_id_(std::move(config_id)) {}

  // One line of `file` (without its '\n'), at line number `line`; `directory`
  // is the file's directory (${_PWD}). The lines to read are appended to
  // `out` (none, one or many), what is wrong to `errors`. A line with an error
  // is dropped, except for an undefined ${NAME}, which stays as written (so the
  // statement is seen, and skipped, as one word).
  void feed(std::string_view raw, const std::string& file, int line, const std::string& directory,
            std::vector<KaLine>& out, std::vector<ConfigError>& errors);

  // Whether feed() may change this line: most lines (no '$', '@' or '~')
  // are read as they are, without a copy.
  bool changes(std::string_view raw) const {
    return continuing_.has_value() || !plain(raw);
  }
  // Whether no line of `text` can change (none has $, @ or ~), unless a
  // multi-line definition is under way: the Lexer asks once per file.
  // (One memchr per character: find_first_of("$@~") calls memchr on the
  // three characters for every character of the text.)
  static bool plain(std::string_view text) {
    for (char c : {'$', '@', '~'})
      if (text.find(c) != std::string_view::npos) return false;
    return true;
  }
  bool continuing() const { return continuing_.has_value(); }

  // The end of a file: a multi-line definition still open ends with it.
  void end_of_file() { continuing_.reset(); }

 private:
  struct Definition {
    std::vector<std::string> lines{};  // a single-line definition has one
    bool multi_line = false;
  };
  // What one feed() writes to.
  struct Sink {
    const std::string& file;
    const std::string& directory;
    std::vector<KaLine>& out;
    std::vector<ConfigError>& errors;
  };

  void process(KaLine l, Sink& sink, int depth);
  bool define(const KaLine& l, std::size_t at, Sink& sink);
  void sequence(const KaLine& l, std::size_t at, Sink& sink, int depth);
  // Replaces the definitions used in l; false (after an error) when the line is to be dropped.
  bool substitute(KaLine& l, Sink& sink, bool& changed, bool in_value);
  std::optional<std::string> predefined(std::string_view name, const Sink& sink) const;
  void error(const Sink& sink, int line, int column, std::string message);

  std::string config_id_;
  std::map<std::string, Definition, std::less<>> definitions_;
  std::optional<std::string> continuing_;  // the multi-line definition whose lines are being read
  std::vector<std::string> expanding_;     // the definitions being expanded, outermost first
  std::size_t produced_bytes_ = 0;
  std::size_t rounds_ = 0;  // of every ~SEQ, and lines of multi-line definitions
  std::size_t uses_ = 0;    // definitions replaced in the current source line
  bool too_large_ = false;
};

}  // namespace lvsd::conf
