#pragma once
// What the reload tests of both formats share (yaml_reload_test.cpp,
// keepalived_reload_test.cpp): random edits of a file, and timing a call
// against a control in the same run.
#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "conf/error.hpp"

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

struct ChainCounts {
  int edits = 0;      // edited texts read
  int shortcuts = 0;  // of them, edits inside one virtual server
  int refused = 0;    // of them, refused
};

// `chains` chains of up to three random edits of `start`: each edited text is
// read whole (`whole(text)`) and again from the last result
// (`again(text, before)`, a LoadResult with a config and a reload basis),
// and `same(reloaded, whole, text)` compares the two with gtest's EXPECTs.
// A chain ends at a refused text, or one read without a reload basis; all
// end at the first difference.
template <typename Whole, typename Again, typename Same>
ChainCounts edit_chains(int chains, unsigned seed, const std::string& start, const Edits& edits, Whole whole,
                        Again again, Same same) {
  std::mt19937 random(seed);
  ChainCounts counts;
  for (int chain = 0; chain < chains && !::testing::Test::HasFailure(); ++chain) {
    std::string text = start;
    LoadResult current = whole(text);
    EXPECT_TRUE(current.ok() && current.reload);
    for (int step = 0; step < 3 && current.ok() && current.reload && !::testing::Test::HasFailure(); ++step) {
      const std::string edited = edit(random, text, edits);
      const LoadResult read_whole = whole(edited);
      LoadResult reloaded = again(edited, current);
      ++counts.edits;
      same(reloaded, read_whole, edited);
      EXPECT_EQ(reloaded.ok(), read_whole.ok()) << edited;
      EXPECT_EQ(reloaded.reload.has_value(), read_whole.reload.has_value()) << edited;
      if (!read_whole.ok()) {
        ++counts.refused;
        break;
      }
      if (current.reload->spans.one_changed_item(edited)) ++counts.shortcuts;
      text = edited;
      current = std::move(reloaded);
    }
  }
  return counts;
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
