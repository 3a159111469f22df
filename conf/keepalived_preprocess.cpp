#include "conf/keepalived_preprocess.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "conf/read_file.hpp"
#include "conf/scalars.hpp"

// What keepalived 2.2.7 does, as measured with `keepalived -t` (where it
// differs from, or goes beyond, keepalived.conf(5)):
// - a definition's value has its comment and surrounding blanks removed;
//   `$N=\` (or `$N=first \`) starts a multi-line definition, whose lines are
//   read as lines of their own where it is used (so `@id` and definitions in
//   them work); it is replaced only when it is alone on its line;
// - definitions made in an included file hold after it, and are replaced
//   when used (${_PWD} in a value is the directory of the file using it);
// - `include` lines are read after @id and substitution (the man page says
//   before; 2.2.7 does include `@id include x` and `include ${D}/x`);
// - an undefined $NAME stays as written; an undefined ${NAME} too, where its
//   braces then open and close blocks;
// - `@id` with nothing after it, and `@ id`, drop the line; ids are compared
//   case-sensitively;
// - ~SEQ may have a blank before '(', its numbers may be 0x.. or 0.. (C
//   strtol), a definition in them is replaced, its variable keeps the last
//   value after the line, and it may follow an @id and precede another ~SEQ;
//   one value is the end (start 1, or -1 for an end below 0), the step
//   defaults to 1 or -1; a zero step or one that moves away from the end is
//   "Invalid ~SEQ values" and the line is skipped;
// - ${_HASH} and ${_BANG}, outside quotes, start a comment (the rest of the
//   line is not read); ${_RANDOM MIN MAX} is not recognised;
// - a definition that uses itself makes keepalived loop without end.
namespace lvsd::conf {
namespace {

constexpr int kMaxDepth = 64;  // nested uses, ~SEQ and @id on one line
// ~SEQ rounds and lines of multi-line definitions in one load: far more than
// a real file needs (one per address of a /12), few enough that a ~SEQ of
// nothing ends at once.
constexpr std::size_t kMaxRounds = std::size_t{1} << 20;
// What one source line may expand to: definitions that use others twice
// ($A=${B}${B}, $B=${C}${C}, ...) double at each step, which keepalived
// follows until memory runs out.
constexpr std::size_t kMaxUsesPerLine = std::size_t{1} << 16;
constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }
bool word_end(char c) { return is_blank(c) || c == '{' || c == '}'; }

std::size_t skip_blanks(std::string_view t, std::size_t i) {
  while (i < t.size() && is_blank(t[i])) ++i;
  return i;
}

std::size_t name_end(std::string_view t, std::size_t i) {
  if (i >= t.size() || !name_start(t[i])) return i;
  while (i < t.size() && name_char(t[i])) ++i;
  return i;
}

// Where the lexer would see the comment of the line start (the line's size
// if none), and which characters it would read inside "quotes".
struct Shape {
  std::size_t comment = 0;
  std::vector<bool> quoted;
};

// Mirrors the lexer's reading (keepalived_parser.cpp): '#' and '!' start a
// comment where a word could start; a '"' there opens a quoted string.
Shape shape_of(std::string_view t) {
  Shape s{.comment = t.size(), .quoted = std::vector<bool>(t.size(), false)};
  std::size_t i = 0;
  while (i < t.size()) {
    const char c = t[i];
    if (is_blank(c) || c == '{' || c == '}') {
      ++i;
    } else if (c == '#' || c == '!') {
      s.comment = i;
      return s;
    } else if (c == '"') {
      std::size_t close = t.find('"', i + 1);
      if (close == std::string_view::npos) return s;  // unterminated: the lexer says so
      for (std::size_t k = i; k <= close; ++k) s.quoted[k] = true;
      i = close + 1;
    } else {
      while (i < t.size() && !word_end(t[i])) {
        if (t[i] == '$' && i + 1 < t.size() && t[i + 1] == '{') {
          std::size_t close = t.find('}', i + 2);
          if (close != std::string_view::npos) i = close;
        }
        ++i;
      }
    }
  }
  return s;
}

KaLine slice(const KaLine& l, std::size_t from, std::size_t to = std::string::npos) {
  to = std::min(to, l.text.size());
  from = std::min(from, to);
  return KaLine{.line = l.line,
                .text = l.text.substr(from, to - from),
                .columns = std::vector<int>(l.columns.begin() + static_cast<long>(from),
                                            l.columns.begin() + static_cast<long>(to))};
}

KaLine text_at(int line, std::string text, int column) {
  KaLine l{.line = line, .text = std::move(text), .columns = {}};
  l.columns.assign(l.text.size(), column);
  return l;
}

std::string trimmed(std::string_view t) {
  std::size_t b = skip_blanks(t, 0);
  std::size_t e = t.size();
  while (e > b && is_blank(t[e - 1])) --e;
  return std::string(t.substr(b, e - b));
}

// A `$NAME` (then a blank or the end) or `${NAME}` starting at i.
struct Use {
  std::string_view name;
  std::size_t end = 0;  // after it
  bool braced = false;
};

std::optional<Use> use_at(std::string_view t, std::size_t i) {
  if (i >= t.size() || t[i] != '$') return std::nullopt;
  if (i + 1 < t.size() && t[i + 1] == '{') {
    std::size_t e = name_end(t, i + 2);
    if (e == i + 2 || e >= t.size() || t[e] != '}') return std::nullopt;
    return Use{.name = t.substr(i + 2, e - i - 2), .end = e + 1, .braced = true};
  }
  std::size_t e = name_end(t, i + 1);
  if (e == i + 1 || (e < t.size() && !is_blank(t[e]))) return std::nullopt;
  return Use{.name = t.substr(i + 1, e - i - 1), .end = e, .braced = false};
}

std::string show(std::string_view t) { return quote(trimmed(t)); }

}  // namespace

std::string host_config_id() {
  utsname u{};
  if (uname(&u) != 0) return {};
  std::string node = u.nodename;
  return node.substr(0, node.find('.'));
}

void KaPreprocessor::error(const Sink& sink, int line, int column, std::string message) {
  sink.errors.push_back(ConfigError{.location = Location{.file = sink.file, .line = line, .column = column},
                                    .path = "",
                                    .message = std::move(message)});
}

void KaPreprocessor::feed(std::string_view raw, const std::string& file, int line, const std::string& directory,
                          std::vector<KaLine>& out, std::vector<ConfigError>& errors) {
  Sink sink{.file = file, .directory = directory, .out = out, .errors = errors};
  if (continuing_) {
    // A line of a multi-line definition: kept as written (its comment goes
    // when it is used); a '\' at its end says another follows.
    std::string text = trimmed(raw);
    const bool more = !text.empty() && text.back() == '\\';
    if (more) text.pop_back();
    definitions_[*continuing_].lines.push_back(std::move(text));
    if (!more) continuing_.reset();
    return;
  }
  uses_ = 0;
  KaLine l{.line = line, .text = std::string(raw), .columns = {}};
  l.columns.resize(l.text.size());
  for (std::size_t i = 0; i < l.columns.size(); ++i) l.columns[i] = static_cast<int>(i) + 1;
  process(std::move(l), sink, 0);
}

void KaPreprocessor::process(KaLine l, Sink& sink, int depth) {
  if (too_large_) return;
  const int line = l.line;
  auto column = [&](std::size_t i) {
    return i < l.columns.size() ? l.columns[i] : (l.columns.empty() ? 1 : l.columns.back() + 1);
  };
  if (depth > kMaxDepth) {
    error(sink, line, column(0), "definitions, @id and ~SEQ nested more than " + std::to_string(kMaxDepth) + " deep");
    return;
  }
  const Shape shape = shape_of(l.text);
  if (shape.comment < l.text.size()) l = slice(l, 0, shape.comment);
  const std::size_t p = skip_blanks(l.text, 0);
  if (p == l.text.size()) return;  // nothing to read
  const std::string_view t = l.text;

  if (t[p] == '@') {
    const bool negated = p + 1 < t.size() && t[p + 1] == '^';
    const std::size_t id_start = p + 1 + (negated ? 1 : 0);
    std::size_t id_end = id_start;
    while (id_end < t.size() && !is_blank(t[id_end])) ++id_end;
    if (id_end == t.size()) return;  // `@id` and nothing to use: keepalived drops it too
    const bool same = t.substr(id_start, id_end - id_start) == config_id_;
    if (same != negated) process(slice(l, id_end), sink, depth + 1);
    return;
  }
  if (t[p] == '$' && define(l, p, sink)) return;
  if (t.substr(p, 4) == "~SEQ") {
    sequence(l, p, sink, depth);
    return;
  }
  // A multi-line definition alone on its line: its lines, each read as a line.
  if (auto use = use_at(t, p); use && skip_blanks(t, use->end) == t.size()) {
    auto def = definitions_.find(use->name);
    if (def != definitions_.end() && def->second.multi_line) {
      const std::string name(use->name);
      if (std::find(expanding_.begin(), expanding_.end(), name) != expanding_.end()) {
        error(sink, line, column(p), show(t.substr(p)) + " uses itself: keepalived 2.2.7 would expand it without end");
        return;
      }
      expanding_.push_back(name);
      const std::vector<std::string> lines = def->second.lines;  // (it may be redefined by its own lines)
      for (const auto& text : lines) {
        // Each line counts, so that definitions of empty lines that use each other twice end too.
        if (too_large_ || ++rounds_ > kMaxRounds) {
          if (!too_large_) error(sink, line, column(p), show(t.substr(p)) + " expands to more than " +
                                                           std::to_string(kMaxRounds) + " lines");
          too_large_ = true;
          break;
        }
        process(text_at(line, text, column(p)), sink, depth + 1);
      }
      expanding_.pop_back();
      return;
    }
  }
  bool changed = false;
  if (!substitute(l, sink, changed, false)) return;
  if (changed) {
    // What a definition put at the start can be an @id or a ~SEQ (keepalived reads those then too).
    const std::size_t q = skip_blanks(l.text, 0);
    if (q < l.text.size() && (l.text[q] == '@' || std::string_view(l.text).substr(q, 4) == "~SEQ")) {
      process(std::move(l), sink, depth + 1);
      return;
    }
  }
  produced_bytes_ += l.text.size() + 1;
  if (produced_bytes_ > kMaxConfigLoadBytes) {
    too_large_ = true;
    error(sink, line, column(p), "the definitions and ~SEQ lines expand to more than " +
                                     describe_byte_limit(kMaxConfigLoadBytes) + " of configuration");
    return;
  }
  sink.out.push_back(std::move(l));
}

bool KaPreprocessor::define(const KaLine& l, std::size_t at, Sink& sink) {
  const std::string_view t = l.text;
  if (at + 1 < t.size() && t[at + 1] == '{') return false;  // ${NAME}...: a use
  std::size_t word_end_at = at;
  while (word_end_at < t.size() && !is_blank(t[word_end_at])) ++word_end_at;
  const std::size_t eq = t.find('=', at);
  const std::size_t name_stop = name_end(t, at + 1);
  const int column = l.columns[at];
  if (eq == std::string_view::npos) return false;
  if (eq >= word_end_at) {
    // `$NAME = value`: meant as a definition, read by keepalived as a keyword.
    if (name_stop > at + 1 && skip_blanks(t, name_stop) == eq) {
      error(sink, l.line, column,
            show(t.substr(at)) + " is not a definition: no blank is allowed before '=' ($NAME=value); keepalived "
            "2.2.7 reads the line as the unknown keyword " + quote(std::string(t.substr(at, name_stop - at))) +
            " and skips it");
      return true;
    }
    return false;
  }
  if (name_stop != eq || name_stop == at + 1) {
    error(sink, l.line, column,
          show(t.substr(at, word_end_at - at)) + " is not a definition: a name is made of letters, digits and '_' "
          "and does not start with a digit; keepalived 2.2.7 reads the line as an unknown keyword and skips it");
    return true;
  }
  const std::string name(t.substr(at + 1, name_stop - at - 1));
  std::string value = trimmed(t.substr(eq + 1));
  Definition def;
  if (!value.empty() && value.back() == '\\') {
    value.pop_back();
    value = trimmed(value);
    def.multi_line = true;
    if (!value.empty()) def.lines.push_back(std::move(value));
    continuing_ = name;
  } else {
    def.lines.push_back(std::move(value));
  }
  definitions_[name] = std::move(def);
  return true;
}

void KaPreprocessor::sequence(const KaLine& l, std::size_t at, Sink& sink, int depth) {
  const std::string_view t = l.text;
  const int column = l.columns[at];
  std::size_t i = at + 4;
  const bool hex = i < t.size() && t[i] == 'x';
  if (hex) ++i;
  i = skip_blanks(t, i);
  const std::size_t close = t.find(')', i);
  auto refuse = [&](const std::string& why, const char* keepalived_says) {
    const std::size_t end = close == std::string_view::npos ? t.size() : close + 1;
    error(sink, l.line, column,
          show(t.substr(at, end - at)) + ": " + why + "; keepalived 2.2.7 reports \"" + keepalived_says +
              "\" and skips the line");
  };
  if (i >= t.size() || t[i] != '(' || close == std::string_view::npos) {
    refuse("allowed ~SEQ(VAR, [START, [STEP,]] END) then the line to repeat", "Invalid ~SEQ definition");
    return;
  }
  std::vector<std::string> args;
  for (std::size_t from = i + 1;;) {
    const std::size_t comma = std::min(t.find(',', from), close);
    args.push_back(trimmed(t.substr(from, comma - from)));
    if (comma == close) break;
    from = comma + 1;
  }
  if (args.size() < 2 || args.size() > 4) {
    refuse("it takes 2 to 4 values (VAR, [START, [STEP,]] END), not " + std::to_string(args.size()),
           "Invalid ~SEQ definition");
    return;
  }
  const std::string& var = args[0];
  if (var.empty() || name_end(var, 0) != var.size()) {
    refuse(quote(var) + " is not a name (letters, digits and '_', not starting with a digit)",
           "Invalid ~SEQ definition");
    return;
  }
  std::vector<long long> n;
  for (std::size_t k = 1; k < args.size(); ++k) {
    KaLine arg = text_at(l.line, args[k], column);
    bool changed = false;
    if (!substitute(arg, sink, changed, true)) return;
    const std::string v = trimmed(arg.text);
    errno = 0;
    char* end = nullptr;
    const long long x = std::strtoll(v.c_str(), &end, 0);  // 0x.. and 0.. as keepalived reads them
    if (v.empty() || end == nullptr || *end != '\0' || errno == ERANGE) {
      refuse(quote(v) + " is not a number", "Invalid ~SEQ definition");
      return;
    }
    n.push_back(x);
  }
  long long start = 0, step = 0, end = 0;
  if (n.size() == 1) {
    end = n[0];
    start = end < 0 ? -1 : 1;
    step = end >= start ? 1 : -1;
  } else if (n.size() == 2) {
    start = n[0];
    end = n[1];
    step = end >= start ? 1 : -1;
  } else {
    start = n[0];
    step = n[1];
    end = n[2];
  }
  if (step == 0 || (start < end && step < 0) || (start > end && step > 0)) {
    refuse(step == 0 ? std::string("the step is 0") : "a step of " + std::to_string(step) + " never goes from " +
                                                           std::to_string(start) + " to " + std::to_string(end),
           "Invalid ~SEQ values");
    return;
  }
  const KaLine rest = slice(l, close + 1);
  for (long long v = start;;) {
    std::string text;
    if (hex) {
      static constexpr char kDigits[] = "0123456789abcdef";
      unsigned long long u = v < 0 ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
      do {
        text.insert(text.begin(), kDigits[u % 16]);
        u /= 16;
      } while (u != 0);
      if (v < 0) text.insert(text.begin(), '-');
    } else {
      text = std::to_string(v);
    }
    definitions_[var] = Definition{.lines = {std::move(text)}, .multi_line = false};
    process(rest, sink, depth + 1);
    if (too_large_) return;
    if (++rounds_ > kMaxRounds) {
      error(sink, l.line, column, "the ~SEQ runs too long: the file's ~SEQ and multi-line definitions make more "
                                  "than " + std::to_string(kMaxRounds) + " lines");
      too_large_ = true;
      return;
    }
    // (no overflow: stop before passing end)
    if (step > 0 ? end - v < step : v - end < -step) break;
    v += step;
  }
}

std::optional<std::string> KaPreprocessor::predefined(std::string_view name, const Sink& sink) const {
  if (name == "_PWD") return sink.directory;
  if (name == "_INSTANCE") return config_id_;
  if (name == "_HASH") return std::string("#");
  if (name == "_BANG") return std::string("!");
  return std::nullopt;
}

bool KaPreprocessor::substitute(KaLine& l, Sink& sink, bool& changed, bool in_value) {
  const std::string& t = l.text;
  if (t.find('$') == std::string::npos) return true;
  const Shape shape = shape_of(t);
  KaLine out{.line = l.line, .text = {}, .columns = {}};
  out.text.reserve(t.size());
  out.columns.reserve(t.size());
  for (std::size_t i = 0; i < t.size();) {
    auto use = t[i] == '$' ? use_at(t, i) : std::nullopt;
    // An unquoted ${ that is no use of a definition stays; keepalived reads its braces as a block's.
    const bool braces = t[i] == '$' && i + 1 < t.size() && t[i + 1] == '{' && !shape.quoted[i] && !in_value;
    if (!use) {
      if (braces) {
        const std::size_t close = t.find('}', i);
        error(sink, l.line, l.columns[i],
              show(t.substr(i, close == std::string::npos ? t.size() - i : close + 1 - i)) +
                  " is not a definition's use (${NAME}: letters, digits and '_'); keepalived 2.2.7 leaves it in "
                  "the line, where its braces open and close a block");
      }
      out.text.push_back(t[i]);
      out.columns.push_back(l.columns[i]);
      ++i;
      continue;
    }
    const std::string name(use->name);
    const int column = l.columns[i];
    if (too_large_) return false;
    if (++uses_ > kMaxUsesPerLine || expanding_.size() > static_cast<std::size_t>(kMaxDepth)) {
      error(sink, l.line, column,
            "the definitions used on this line expand too far (more than " + std::to_string(kMaxUsesPerLine) +
                " uses, or nested more than " + std::to_string(kMaxDepth) + " deep)");
      too_large_ = true;  // the load is refused: nothing more is expanded
      return false;
    }
    std::optional<std::string> value = predefined(name, sink);
    if (!value && name == "_RANDOM") {
      error(sink, l.line, column,
            "${_RANDOM} is not implemented by lvsd: a value drawn anew at every load would differ between "
            "`lvsd --check-config`, the daemon, each reload and `lvsctl import-keepalived`; write the number");
      return false;
    }
    if (!value) {
      auto def = definitions_.find(name);
      if (def == definitions_.end()) {
        // keepalived leaves an undefined use as it is written.
        if (use->braced && !shape.quoted[i] && !in_value) {
          error(sink, l.line, column,
                "${" + name + "} is not defined (define it first: $" + name + "=VALUE); keepalived 2.2.7 leaves "
                "it in the line, where its braces open and close a block");
        }
        out.text.append(t, i, use->end - i);
        for (std::size_t k = i; k < use->end; ++k) out.columns.push_back(l.columns[k]);
        i = use->end;
        continue;
      }
      if (def->second.multi_line) {
        error(sink, l.line, column,
              "$" + name + " is a multi-line definition: it can only be used alone on its line; keepalived 2.2.7 "
              "leaves it in the line unreplaced");
        return false;
      }
      if (std::find(expanding_.begin(), expanding_.end(), name) != expanding_.end()) {
        std::string chain;
        for (const auto& e : expanding_) chain += "$" + e + " -> ";
        error(sink, l.line, column,
              "$" + name + " uses itself (" + chain + "$" + name + "): keepalived 2.2.7 would expand it without end");
        return false;
      }
      // Recursive: what the value uses is replaced now, when it is used; an
      // undefined ${NAME} in it is as wrong here as written in the line
      // itself (the fuzzer found one that otherwise emptied a VIP list
      // without a word).
      KaLine v = text_at(l.line, def->second.lines.front(), column);
      expanding_.push_back(name);
      bool inner_changed = false;
      const bool ok = substitute(v, sink, inner_changed, in_value);
      expanding_.pop_back();
      if (!ok) return false;
      value = std::move(v.text);
    }
    if (out.text.size() + value->size() > kMaxLineBytes) {
      error(sink, l.line, column, "the definitions used on this line expand it to more than " +
                                      describe_byte_limit(kMaxLineBytes));
      too_large_ = true;
      return false;
    }
    out.text += *value;
    out.columns.insert(out.columns.end(), value->size(), column);
    changed = true;
    i = use->end;
  }
  l = std::move(out);
  return true;
}

}  // namespace lvsd::conf
