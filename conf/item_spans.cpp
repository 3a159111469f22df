#include "conf/item_spans.hpp"

#include <xxhash.h>

#include <limits>

namespace lvsd::conf {

ItemSpans::Hash ItemSpans::hash(std::string_view bytes) {
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  return Hash{.high = h.high64, .low = h.low64};
}

std::optional<ItemSpans> ItemSpans::of(std::string_view text, const std::vector<Item>& items) {
  if (items.empty() || text.size() > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  ItemSpans spans;
  spans.text_size_ = text.size();
  spans.bounds_.reserve(2 * items.size());
  std::size_t last = 0;
  for (const Item& item : items) {
    if (item.begin < last || item.end < item.begin || item.end > text.size()) return std::nullopt;
    spans.bounds_.push_back(static_cast<std::uint32_t>(item.begin));
    spans.bounds_.push_back(static_cast<std::uint32_t>(item.end));
    last = item.end;
  }
  spans.hashes_.reserve(spans.bounds_.size() + 1);
  for (std::size_t j = 0; j <= spans.bounds_.size(); ++j) {
    spans.hashes_.push_back(hash(text.substr(spans.piece_begin(j), spans.piece_end(j) - spans.piece_begin(j))));
  }
  return spans;
}

std::optional<ItemSpans::Change> ItemSpans::one_changed_item(std::string_view text) const {
  const std::size_t last = bounds_.size();  // the tail's piece
  // From the front, at the old offsets: pieces 0 .. f-1 are the same (the
  // tail is not compared: it runs to the end of whichever text).
  std::size_t f = 0;
  while (f < last && piece_end(f) <= text.size() &&
         hash(text.substr(piece_begin(f), piece_end(f) - piece_begin(f))) == hashes_[f]) {
    ++f;
  }
  // From the back, moved by the difference in length: pieces m+1 .. last are
  // the same (the head is not compared).
  const auto shift = static_cast<std::ptrdiff_t>(text.size()) - static_cast<std::ptrdiff_t>(text_size_);
  std::size_t m = last;
  for (;;) {
    const auto begin = static_cast<std::ptrdiff_t>(piece_begin(m)) + shift;
    const auto end = static_cast<std::ptrdiff_t>(piece_end(m)) + shift;
    if (m == 0 || begin < 0 || end > static_cast<std::ptrdiff_t>(text.size()) ||
        hash(text.substr(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin))) != hashes_[m]) {
      break;
    }
    --m;
  }
  if (m == 0 && f > 0) return std::nullopt;  // every piece the same: no edit
  // Item k's piece (2k + 1) must hold every difference: all before it the
  // same at the old offsets (f >= 2k + 1), all after it the same moved
  // (m <= 2k + 1). The last item the front reached is the one.
  if (f == 0) return std::nullopt;  // the head changed
  const std::size_t piece = f % 2 == 1 ? f : f - 1;
  if (piece < m || piece >= last) return std::nullopt;
  const std::size_t index = piece / 2;
  const auto begin = static_cast<std::ptrdiff_t>(bounds_[2 * index]);
  const auto end = static_cast<std::ptrdiff_t>(bounds_[2 * index + 1]) + shift;
  if (end < begin) return std::nullopt;  // the item's bytes and more are gone
  return Change{.index = index, .begin = static_cast<std::size_t>(begin), .end = static_cast<std::size_t>(end)};
}

std::optional<ItemSpans> ItemSpans::after(std::string_view text, const Change& change) const {
  if (change.index >= items() || change.end < change.begin || change.end > text.size()) return std::nullopt;
  // Every other piece has its old bytes (one_changed_item compared them):
  // its hash stays, the items after the changed one move by the difference
  // in length, and only the changed item is hashed again.
  const auto shift = static_cast<std::ptrdiff_t>(text.size()) - static_cast<std::ptrdiff_t>(text_size_);
  ItemSpans next = *this;
  next.text_size_ = text.size();
  next.bounds_[2 * change.index] = static_cast<std::uint32_t>(change.begin);
  next.bounds_[2 * change.index + 1] = static_cast<std::uint32_t>(change.end);
  for (std::size_t j = 2 * change.index + 2; j < next.bounds_.size(); ++j)
    next.bounds_[j] = static_cast<std::uint32_t>(static_cast<std::ptrdiff_t>(next.bounds_[j]) + shift);
  next.hashes_[2 * change.index + 1] = hash(text.substr(change.begin, change.end - change.begin));
  return next;
}

}  // namespace lvsd::conf
