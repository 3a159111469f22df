#include "conf/keepalived_parser.hpp"

#include <glob.h>

#include <algorithm>
#include <cerrno>

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
  TokenKind kind;
  KaWord word;
};

class Tokenizer {
 public:
  Tokenizer(const IncludeReader& includes, std::vector<ConfigError>& errors, std::vector<ConfigError>& warnings)
      : includes_(includes), errors_(errors), warnings_(warnings) {}

  void tokenize(std::string_view text, const std::string& file, int depth, std::vector<Token>& out) {
    total_bytes_ += text.size();  // read, so counted, even when refused below
    if (auto bad = find_unprintable(text)) {
      errors_.push_back(ConfigError{.location = Location{.file = file, .line = bad->line, .column = bad->column},
                                    .path = "",
                                    .message = bad->what + ": " + kTextRule});
      return;
    }
    open_files_.push_back(file);
    std::vector<Token> line;
    int line_no = 1;
    std::size_t line_start = 0;
    std::size_t i = 0;
    auto here = [&](std::size_t pos) {
      return Location{.file = file, .line = line_no, .column = static_cast<int>(pos - line_start) + 1};
    };
    while (i <= text.size()) {
      if (i == text.size() || text[i] == '\n') {
        flush_line(line, file, depth, out);
        out.push_back(Token{TokenKind::kEndOfLine, {}});
        if (i == text.size()) break;
        ++i;
        ++line_no;
        line_start = i;
        continue;
      }
      char c = text[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
        ++i;
      } else if (c == '#' || c == '!') {
        while (i < text.size() && text[i] != '\n') ++i;
      } else if (c == '{' || c == '}') {
        line.push_back(Token{c == '{' ? TokenKind::kOpen : TokenKind::kClose, KaWord{std::string(1, c), here(i)}});
        ++i;
      } else if (c == '"') {
        Location at = here(i);
        std::size_t close = text.find('"', i + 1);
        std::size_t eol = text.find('\n', i + 1);
        if (close == std::string_view::npos || (eol != std::string_view::npos && eol < close)) {
          errors_.push_back(ConfigError{.location = at, .path = "", .message = "unterminated \"quoted string\""});
          i = eol == std::string_view::npos ? text.size() : eol;
          continue;
        }
        line.push_back(Token{TokenKind::kWord, KaWord{std::string(text.substr(i + 1, close - i - 1)), at, true}});
        i = close + 1;
      } else {
        std::size_t start = i;
        while (i < text.size() && std::string_view(" \t\r\v\f\n{}").find(text[i]) == std::string_view::npos) {
          // keepalived's ${NAME} is one word, not a block (the importer refuses it).
          if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
            std::size_t close = text.find_first_of("}\n", i + 2);
            if (close != std::string_view::npos && text[close] == '}') i = close;
          }
          ++i;
        }
        line.push_back(Token{TokenKind::kWord, KaWord{std::string(text.substr(start, i - start)), here(start), false}});
      }
    }
    open_files_.pop_back();
  }

 private:
  // A line `include PATTERN` is replaced by the tokens of the files it names.
  void flush_line(std::vector<Token>& line, const std::string& file, int depth, std::vector<Token>& out) {
    if (!line.empty() && line[0].kind == TokenKind::kWord && line[0].word.text == "include") {
      const Location& at = line[0].word.location;
      if (line.size() != 2 || line[1].kind != TokenKind::kWord) {
        errors_.push_back(ConfigError{.location = at, .path = "include",
                                      .message = "include takes exactly one file name or pattern"});
      } else if (depth >= kMaxIncludeDepth) {
        errors_.push_back(ConfigError{.location = at, .path = "include",
                                      .message = "includes nested more than " + std::to_string(kMaxIncludeDepth) +
                                                 " deep (an include loop?)"});
      } else {
        const std::string& pattern = line[1].word.text;
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
          for (const auto& f : *files) {
            if (std::find(open_files_.begin(), open_files_.end(), f.path) != open_files_.end()) {
              errors_.push_back(ConfigError{.location = at, .path = "include",
                                            .message = "include loop: " + quote(f.path) + " includes itself"});
            } else if (total_bytes_ + f.content.size() > kMaxConfigLoadBytes) {
              errors_.push_back(ConfigError{.location = at, .path = "include", .message = load_too_large()});
              break;
            } else {
              tokenize(f.content, f.path, depth + 1, out);
            }
          }
        }
      }
      line.clear();
      return;
    }
    for (auto& t : line) out.push_back(std::move(t));
    line.clear();
  }

  const IncludeReader& includes_;
  std::vector<ConfigError>& errors_;
  std::vector<ConfigError>& warnings_;
  std::vector<std::string> open_files_;  // the include chain being read
  std::size_t total_bytes_ = 0;
};

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, std::vector<ConfigError>& errors) : tokens_(tokens), errors_(errors) {}

  std::vector<KaStatement> parse_all() {
    auto statements = parse_block(0, nullptr);
    return statements;
  }

 private:
  void error(const Location& at, std::string message) {
    errors_.push_back(ConfigError{.location = at, .path = "", .message = std::move(message)});
  }

  // Statements until the '}' that closes `opener` (or the end for the top level).
  std::vector<KaStatement> parse_block(int depth, const KaWord* opener) {
    std::vector<KaStatement> out;
    std::optional<KaStatement> current;
    // A statement ended by its line, kept back while the lines after it are
    // empty: a '{' that starts a later line opens its block, as in keepalived
    // ("TCP_CHECK" on one line, "{" on the next).
    std::optional<KaStatement> ended;
    auto finish = [&] {
      if (ended) out.push_back(std::move(*ended));
      ended.reset();
      if (current) out.push_back(std::move(*current));
      current.reset();
    };
    while (pos_ < tokens_.size()) {
      const Token& t = tokens_[pos_++];
      switch (t.kind) {
        case TokenKind::kEndOfLine:
          if (current) {
            if (ended) out.push_back(std::move(*ended));
            ended = std::move(current);
            current.reset();
          }
          break;
        case TokenKind::kWord:
          if (current) {
            current->args.push_back(t.word);
          } else {
            finish();
            current = KaStatement{.keyword = t.word, .args = {}, .has_block = false, .children = {}};
          }
          break;
        case TokenKind::kOpen: {
          if (depth + 1 > kMaxBlockDepth) {
            error(t.word.location, "blocks nested more than " + std::to_string(kMaxBlockDepth) + " deep");
            pos_ = tokens_.size();
            return out;
          }
          if (!current && ended && !ended->has_block) {
            current = std::move(ended);
            ended.reset();
          }
          if (!current) {
            finish();
            error(t.word.location, "'{' without a keyword before it");
            parse_block(depth + 1, &t.word);  // skip the block
            break;
          }
          current->has_block = true;
          current->children = parse_block(depth + 1, &t.word);
          finish();
          break;
        }
        case TokenKind::kClose:
          finish();
          if (opener == nullptr) {
            error(t.word.location, "'}' without a matching '{'");
            break;
          }
          return out;
      }
    }
    finish();
    if (opener != nullptr)
      error(opener->location, "'{' is never closed: missing '}'");
    return out;
  }

  const std::vector<Token>& tokens_;
  std::vector<ConfigError>& errors_;
  std::size_t pos_ = 0;
};

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

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

KaParseResult parse_keepalived(std::string_view text, const std::string& file, const IncludeReader& includes) {
  KaParseResult result;
  std::vector<Token> tokens;
  Tokenizer(includes, result.errors, result.warnings).tokenize(text, file, 0, tokens);
  result.statements = Parser(tokens, result.errors).parse_all();
  return result;
}

}  // namespace lvsd::conf
