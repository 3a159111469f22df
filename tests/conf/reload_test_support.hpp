#pragma once
// What the reload tests of both formats share (yaml_reload_test.cpp,
// keepalived_reload_test.cpp): random edits of a file, and timing a call
// against a control in the same run.
#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

namespace lvsd::conf::reload_test {

// How a test edits a file at random: single characters that matter to the
// format, whole words or lines of it, and the rewrite operators make (the
// first `value_key` at or after a random place becomes `rewritten`).
struct Edits {
  std::string characters;
  std::vector<std::string> words;
  std::string value_key;  // e.g. "weight: "
  std::string rewritten;  // e.g. "weight: 5" (replaces as many bytes)
};

// One random edit of `text`: a character inserted, one to three bytes
// erased, a word inserted, or a value rewritten.
inline std::string edit(std::mt19937& random, std::string text, const Edits& edits) {
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random); };
  const std::size_t at = std::uniform_int_distribution<std::size_t>(0, text.size())(random);
  switch (std::uniform_int_distribution<int>(0, 3)(random)) {
    case 0:
      text.insert(at, 1, edits.characters[pick(edits.characters.size())]);
      break;
    case 1:
      if (at < text.size()) text.erase(at, std::uniform_int_distribution<std::size_t>(1, 3)(random));
      break;
    case 2:
      text.insert(at, edits.words[pick(edits.words.size())]);
      break;
    default:
      if (const std::size_t w = text.find(edits.value_key, at); w != std::string::npos)
        text.replace(w, edits.rewritten.size(), edits.rewritten);
  }
  return text;
}

// The shortest of five runs of f: compared with a control timed the same
// way in the same run, a busy machine slows both.
template <typename F>
std::chrono::steady_clock::duration best_of_five(F&& f) {
  using Clock = std::chrono::steady_clock;
  Clock::duration out = Clock::duration::max();
  for (int i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    f();
    out = std::min(out, Clock::now() - start);
  }
  return out;
}

}  // namespace lvsd::conf::reload_test
