#include "conf/keepalived_parser.hpp"

#include <glob.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>

#include "conf/keepalived_preprocess.hpp"
#include "conf/read_file.hpp"
#include "conf/scalars.hpp"

namespace lvsd::conf {
namespace {

constexpr int kMaxIncludeDepth = 8;
constexpr int kMaxBlockDepth = 32;

// Includes can fan out (each file including many): the total text read is capped.
std::string load_too_large() {
  return "the configuration's files add up to more than " + describe_byte_limit(kMaxConfigLoadBytes);
}

enum class TokenKind { kWord, kOpen, kClose, kEndOfLine };

struct Token {
  TokenKind kind = TokenKind::kEndOfLine;
  KaWord word{};
};

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// ${_PWD}: keepalived gives the file's directory as an absolute path.
std::string absolute_directory_of(const std::string& path) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(directory_of(path), ec);
  if (ec) return directory_of(path);
  std::string out = dir.lexically_normal().string();
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// What a character is inside a word: one table look-up per character
// instead of eight compares (a word's characters are most of a file).
constexpr std::uint8_t kPlainChar = 0, kSeparatorChar = 1, kDollarChar = 2;
constexpr std::array<std::uint8_t, 256> kCharKinds = [] {
  std::array<std::uint8_t, 256> kinds{};
  for (char c : {' ', '\t', '\r', '\v', '\f', '\n', '{', '}'}) kinds[static_cast<unsigned char>(c)] = kSeparatorChar;
  kinds['$'] = kDollarChar;
  return kinds;
}();

// Cuts the files into tokens one line at a time, as the parser asks for them.
// Each line goes through keepalived's preprocessing first (@id, $NAME, ~SEQ:
// conf/keepalived_preprocess.hpp), which may make none, one or many lines of it.
// A line `include PATTERN` is replaced by the tokens of the files it names,
// read when that line is reached; the files being read form a stack.
class Lexer {
 public:
  Lexer(const IncludeReader& includes, std::deque<std::string>& names, std::vector<ConfigError>& errors,
        std::vector<ConfigError>& warnings, std::string config_id)
      : includes_(includes), names_(names), errors_(errors), warnings_(warnings), pre_(std::move(config_id)) {}

  void start(std::string_view text, const std::string& file) { open(text, {}, file, 0); }

  // The next token; false once every file is read (or after stop()).
  bool next(Token& out) {
    while (pos_ == line_.size()) {
      line_.clear();
      pos_ = 0;
      if (stopped_) return false;
      while (!frames_.empty() && frames_.back().exhausted()) close_file();
      if (!line_.empty()) continue;  // the end of line of an empty included file
      if (frames_.empty()) return false;
      read_line();
    }
    out = std::move(line_[pos_++]);
    return true;
  }

  // Nothing more is read (a fatal error).
  void stop() { stopped_ = true; }

 private:
  struct Frame {
    std::string content;  // an included file's text (the first file's is the caller's)
    std::string_view text;
    const std::string* file = nullptr;
    int depth = 0;
    std::size_t i = 0;
    int line_no = 1;
    bool done = false;  // its last line was read
    bool plain = false;  // no line has $, @ or ~ (KaPreprocessor::plain)
    std::string directory;         // ${_PWD}
    std::vector<KaLine> pending;   // the lines its last line made, still to read
    std::size_t pending_next = 0;
    bool exhausted() const { return done && pending_next == pending.size(); }
    // The files of the same include line still to be read after this one.
    std::vector<KaFile> rest;
    Location include_at;
  };

  // Starts reading a file (after the include checks): `text`, or `content`
  // (an included file's, kept by its frame) when not empty; false if refused.
  bool open(std::string_view text, std::string content, const std::string& file, int depth) {
    if (!content.empty()) text = {};
    Frame f;
    f.content = std::move(content);
    if (!f.content.empty()) text = f.content;
    total_bytes_ += text.size();  // read, so counted, even when refused below
    if (auto bad = find_unprintable(text)) {
      errors_.push_back(ConfigError{.location = Location{.file = file, .line = bad->line, .column = bad->column},
                                    .path = "",
                                    .message = bad->what + ": " + kTextRule});
      return false;
    }
    names_.push_back(file);
    f.file = &names_.back();
    f.depth = depth;
    f.directory = absolute_directory_of(file);
    Frame& top = frames_.emplace_back(std::move(f));
    // A moved std::string may move its characters (short ones live inside it).
    top.text = top.content.empty() ? text : std::string_view(top.content);
    top.plain = KaPreprocessor::plain(top.text);
    return true;
  }

  // Opens the first file of `files` that can be read, keeping the others
  // for when it is done.
  void open_next(std::vector<KaFile> files, std::size_t from, const Location& at, int depth) {
    for (std::size_t n = from; n < files.size(); ++n) {
      KaFile& f = files[n];
      bool looping = std::any_of(frames_.begin(), frames_.end(), [&](const Frame& fr) { return *fr.file == f.path; });
      if (looping) {
        errors_.push_back(ConfigError{.location = at, .path = "include",
                                      .message = "include loop: " + quote(f.path) + " includes itself"});
        continue;
      }
      if (total_bytes_ + f.content.size() > kMaxConfigLoadBytes) {
        errors_.push_back(ConfigError{.location = at, .path = "include", .message = load_too_large()});
        return;
      }
      if (f.content.empty()) {
        // An empty file: nothing to read, only its end of line.
        line_.push_back(Token{TokenKind::kEndOfLine, {}});
        continue;
      }
      if (!open({}, std::move(f.content), f.path, depth)) continue;
      Frame& top = frames_.back();
      top.rest.assign(std::make_move_iterator(files.begin() + static_cast<long>(n) + 1),
                      std::make_move_iterator(files.end()));
      top.include_at = at;
      return;
    }
  }

  // The next line of the file on top of the stack into line_ (with its end
  // of line token): the next of the lines its last source line made, or
  // the next source line, preprocessed. At the end of a file, the file is
  // closed and the next one of its include line opened.
  void read_line() {
    Frame& f = frames_.back();
    if (f.pending_next == f.pending.size()) {
      f.pending.clear();
      f.pending_next = 0;
      const std::string_view text = f.text;
      std::size_t eol = text.find('\n', f.i);
      if (eol == std::string_view::npos) eol = text.size();
      const std::string_view raw = text.substr(f.i, eol - f.i);
      f.done = eol >= text.size();
      f.i = f.done ? text.size() : eol + 1;
      const int line_no = f.line_no++;
      if (f.plain ? !pre_.continuing() : !pre_.changes(raw)) {
        tokenize(raw, line_no, nullptr, f);
      } else {
        pre_.feed(raw, *f.file, line_no, f.directory, f.pending, errors_);
        if (f.pending.empty()) {  // a definition, a line for another config id, ...
          if (f.done) pre_.end_of_file();
          line_.push_back(Token{TokenKind::kEndOfLine, {}});
          return;
        }
      }
      if (f.done) pre_.end_of_file();
    }
    if (line_.empty() && f.pending_next < f.pending.size()) {
      const KaLine& l = f.pending[f.pending_next++];
      tokenize(l.text, l.line, &l.columns, f);
    }
    if (!line_.empty() && line_[0].kind == TokenKind::kWord && line_[0].word.text == "include") {
      include(*f.file, f.depth);  // f stays where it is: a deque keeps its elements in place
      return;
    }
    line_.push_back(Token{TokenKind::kEndOfLine, {}});
  }

  // One line into line_'s tokens; columns: where each character came from
  // (none: the line as written, character i at column i + 1).
  void tokenize(std::string_view text, int line, const std::vector<int>* columns, const Frame& f) {
    std::size_t i = 0;
    auto here = [&](std::size_t at) {
      int column = static_cast<int>(at) + 1;
      if (columns != nullptr)
        column = at < columns->size() ? (*columns)[at] : (columns->empty() ? 1 : columns->back() + 1);
      return KaLocation{.file = f.file, .line = line, .column = column};
    };
    while (i < text.size()) {
      char c = text[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
        ++i;
      } else if (c == '#' || c == '!') {
        break;
      } else if (c == '{' || c == '}') {
        line_.push_back(Token{c == '{' ? TokenKind::kOpen : TokenKind::kClose, KaWord{std::string(1, c), here(i)}});
        ++i;
      } else if (c == '"') {
        KaLocation at = here(i);
        std::size_t close = text.find('"', i + 1);
        if (close == std::string_view::npos) {
          errors_.push_back(ConfigError{.location = at, .path = "", .message = "unterminated \"quoted string\""});
          break;
        }
        line_.push_back(Token{TokenKind::kWord, KaWord{std::string(text.substr(i + 1, close - i - 1)), at, true}});
        i = close + 1;
      } else {
        std::size_t start = i;
        while (i < text.size()) {
          const std::uint8_t kind = kCharKinds[static_cast<unsigned char>(text[i])];
          if (kind == kPlainChar) {
            ++i;
            continue;
          }
          if (kind == kSeparatorChar) break;
          // '$': an undefined ${NAME} (an error already) is one word, not a block.
          if (i + 1 < text.size() && text[i + 1] == '{') {
            std::size_t close = text.find('}', i + 2);
            if (close != std::string_view::npos) i = close;
          }
          ++i;
        }
        line_.push_back(Token{TokenKind::kWord, KaWord{std::string(text.substr(start, i - start)), here(start), false}});
      }
    }
  }

  void close_file() {
    std::vector<KaFile> rest = std::move(frames_.back().rest);
    Location at = frames_.back().include_at;
    int depth = frames_.back().depth;
    frames_.pop_back();
    if (!rest.empty()) open_next(std::move(rest), 0, at, depth);
  }

  // The line in line_ is `include ...`: replaced by the files it names
  // (their tokens come next), only its end of line is kept.
  void include(const std::string& file, int depth) {
    const Location at = line_[0].word.location;
    const bool well_formed = line_.size() == 2 && line_[1].kind == TokenKind::kWord;
    const std::string pattern = well_formed ? line_[1].word.text : std::string();
    line_.clear();
    line_.push_back(Token{TokenKind::kEndOfLine, {}});
    if (!well_formed) {
      errors_.push_back(ConfigError{.location = at, .path = "include",
                                    .message = "include takes exactly one file name or pattern"});
      return;
    }
    if (depth >= kMaxIncludeDepth) {
      errors_.push_back(ConfigError{.location = at, .path = "include",
                                    .message = "includes nested more than " + std::to_string(kMaxIncludeDepth) +
                                               " deep (an include loop?)"});
      return;
    }
    const std::size_t budget = total_bytes_ < kMaxConfigLoadBytes ? kMaxConfigLoadBytes - total_bytes_ : 0;
    auto files = includes_(pattern, file, budget);
    // Include errors are placed at the directive, whichever file they are about.
    if (!files) {
      errors_.push_back(ConfigError{.location = at, .path = "include", .message = files.error().message});
    } else if (files->empty()) {
      // As keepalived: a glob may match nothing (an empty conf.d); said, not refused.
      warnings_.push_back(ConfigError{.location = at, .path = "include",
                                      .message = "include " + quote(pattern) + " matches no file: nothing included"});
    } else {
      open_next(std::move(*files), 0, at, depth + 1);
    }
  }

  const IncludeReader& includes_;
  std::deque<std::string>& names_;
  std::vector<ConfigError>& errors_;
  std::vector<ConfigError>& warnings_;
  std::deque<Frame> frames_;  // the include chain being read (deque: a frame's text view stays put)
  std::vector<Token> line_;   // the tokens of the current line
  std::size_t pos_ = 0;       // the next of them
  std::size_t total_bytes_ = 0;
  bool stopped_ = false;
  KaPreprocessor pre_;  // definitions hold across the files
};

class Parser {
 public:
  // sink: where the top-level statements go as they complete (none: parse_all returns them).
  Parser(Lexer& lexer, std::vector<ConfigError>& errors, const std::function<void(KaStatement&&)>* sink = nullptr)
      : lexer_(lexer), errors_(errors), sink_(sink) {}

  std::vector<KaStatement> parse_all() { return parse_block(0, nullptr); }

 private:
  void error(const Location& at, std::string message) {
    errors_.push_back(ConfigError{.location = at, .path = "", .message = std::move(message)});
  }

  // Statements until the '}' that closes `opener` (or the end for the top level).
  std::vector<KaStatement> parse_block(int depth, const KaWord* opener) {
    // Statements gather in this depth's scratch list and leave in a list of
    // their exact size: no growing list per block.
    while (scratch_.size() <= static_cast<std::size_t>(depth)) scratch_.emplace_back();
    std::vector<KaStatement>& out = scratch_[static_cast<std::size_t>(depth)];
    out.clear();
    auto result = [&] {
      std::vector<KaStatement> exact(std::make_move_iterator(out.begin()), std::make_move_iterator(out.end()));
      out.clear();
      return exact;
    };
    std::optional<KaStatement> current;
    // A statement ended by its line, kept back while the lines after it are
    // empty: a '{' that starts a later line opens its block, as in keepalived
    // ("TCP_CHECK" on one line, "{" on the next).
    std::optional<KaStatement> ended;
    const bool streamed = depth == 0 && sink_ != nullptr;
    auto emit = [&](KaStatement&& st) {
      if (streamed) (*sink_)(std::move(st));
      else out.push_back(std::move(st));
    };
    auto finish = [&] {
      if (ended) emit(std::move(*ended));
      ended.reset();
      if (current) emit(std::move(*current));
      current.reset();
    };
    Token t;
    while (!fatal_ && lexer_.next(t)) {
      switch (t.kind) {
        case TokenKind::kEndOfLine:
          if (current) {
            if (ended) emit(std::move(*ended));
            ended = std::move(current);
            current.reset();
          }
          break;
        case TokenKind::kWord:
          if (current) {
            current->args.push_back(std::move(t.word));
          } else {
            finish();
            current = KaStatement{.keyword = std::move(t.word), .args = {}, .has_block = false, .children = {}};
            current->args.reserve(2);  // most keywords take one or two values: one allocation
          }
          break;
        case TokenKind::kOpen: {
          const KaWord open = std::move(t.word);
          if (depth + 1 > kMaxBlockDepth) {
            error(open.location, "blocks nested more than " + std::to_string(kMaxBlockDepth) + " deep");
            fatal_ = true;
            lexer_.stop();
            return result();
          }
          if (!current && ended && !ended->has_block) {
            current = std::move(ended);
            ended.reset();
          }
          if (!current) {
            finish();
            error(open.location, "'{' without a keyword before it");
            parse_block(depth + 1, &open);  // skip the block
            break;
          }
          current->has_block = true;
          current->children = parse_block(depth + 1, &open);
          finish();
          break;
        }
        case TokenKind::kClose:
          finish();
          if (opener == nullptr) {
            error(t.word.location, "'}' without a matching '{'");
            break;
          }
          return result();
      }
    }
    finish();
    if (opener != nullptr) error(opener->location, "'{' is never closed: missing '}'");
    return result();
  }

  Lexer& lexer_;
  std::vector<ConfigError>& errors_;
  const std::function<void(KaStatement&&)>* sink_;
  std::deque<std::vector<KaStatement>> scratch_;  // one list per depth (a deque: lists stay put)
  bool fatal_ = false;
};

}  // namespace

IncludeReader filesystem_include_reader() {
  return [](const std::string& pattern, const std::string& including_file,
            std::size_t max_bytes) -> core::Result<std::vector<KaFile>> {
    std::string full = pattern.starts_with("/") ? pattern : directory_of(including_file) + "/" + pattern;
    std::vector<std::string> names;
    if (full.find_first_of("*?[") == std::string::npos) {
      // A plain name is one file the configuration needs: missing, it would load half of it.
      names.push_back(full);
    } else {
      glob_t matches{};
      // A directory that does not exist matches nothing (a warning, as keepalived);
      // one that exists but cannot be read could hide files: an error.
      auto on_error = [](const char*, int err) -> int { return err == ENOENT || err == ENOTDIR ? 0 : 1; };
      int rc = glob(full.c_str(), 0, on_error, &matches);
      if (rc == 0)
        for (std::size_t i = 0; i < matches.gl_pathc; ++i) names.emplace_back(matches.gl_pathv[i]);
      globfree(&matches);
      if (rc != 0 && rc != GLOB_NOMATCH) return core::Error{"include " + quote(full) + ": cannot read the directory"};
    }
    std::vector<KaFile> files;
    std::size_t total = 0;
    for (const auto& name : names) {  // glob sorts by name
      auto text = read_regular_file(name, kMaxConfigFileBytes);
      if (!text) return core::Error{"include " + quote(name) + ": " + text.error().message};
      total += text->size();
      if (total > max_bytes) return core::Error{"include " + quote(name) + ": " + load_too_large()};
      files.push_back(KaFile{.path = name, .content = std::move(*text)});
    }
    return files;
  };
}

IncludeReader no_include_reader() {
  return [](const std::string& pattern, const std::string&, std::size_t) -> core::Result<std::vector<KaFile>> {
    return core::Error{"include " + quote(pattern) + ": includes are not allowed here"};
  };
}

KaParseResult parse_keepalived(std::string_view text, const std::string& file, const IncludeReader& includes,
                               const KaConfigId& config_id) {
  KaParseResult result;
  parse_keepalived_each(
      text, file, includes, *result.files, result.errors, result.warnings,
      [&](KaStatement&& st) { result.statements.push_back(std::move(st)); }, config_id);
  return result;
}

void parse_keepalived_each(std::string_view text, const std::string& file, const IncludeReader& includes,
                           std::deque<std::string>& files, std::vector<ConfigError>& errors,
                           std::vector<ConfigError>& warnings, const std::function<void(KaStatement&&)>& sink,
                           const KaConfigId& config_id) {
  // The reading errors (characters, quotes, includes) come before the
  // structure's (braces), each kind in file order.
  std::vector<ConfigError> structure_errors;
  Lexer lexer(includes, files, errors, warnings, config_id ? *config_id : host_config_id());
  lexer.start(text, file);
  Parser(lexer, structure_errors, &sink).parse_all();
  errors.insert(errors.end(), std::make_move_iterator(structure_errors.begin()),
                std::make_move_iterator(structure_errors.end()));
}

}  // namespace lvsd::conf
