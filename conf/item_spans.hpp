#pragma once
// Where the items of one list (the virtual servers) are in a file's bytes,
// known by hash: what a reload needs to tell an edit inside one virtual
// server from any other edit, without lvsd keeping a copy of the file (a
// 10,000-destination file is half a megabyte; these spans are 40 bytes per
// virtual server).
//
// The file is cut into head, item 0, gap 0, item 1, ..., item n-1, tail: the
// head is everything before the first item, a gap what lies between two items
// (a YAML list's next "- ", keepalived.conf's other blocks), the tail
// everything after the last. Each piece is known by its 128-bit XXH3 hash
// (see ContentDigest in conf/loader.hpp on why that hash is enough). The
// pieces are bytes only: which bytes make an item is the loader's business.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace lvsd::conf {

class ItemSpans {
 public:
  struct Item {
    std::size_t begin = 0;  // bytes
    std::size_t end = 0;
  };

  // The spans of `text`, whose list holds `items` in order. nullopt when
  // there are none, or they overlap, run backwards or past the text.
  static std::optional<ItemSpans> of(std::string_view text, const std::vector<Item>& items);

  // One item's bytes changed, nothing else.
  struct Change {
    std::size_t index = 0;  // the item
    std::size_t begin = 0;  // its bytes in the new text
    std::size_t end = 0;
  };

  // When `text` differs from the text these spans were made of only inside
  // one item (head, gaps, tail and every other item the same bytes, the items
  // after it moved by the difference in length): that item and its bytes in
  // `text`. nullopt for any other edit, an item removed whole, and no edit.
  std::optional<Change> one_changed_item(std::string_view text) const;

  // The spans of `text`, whose one_changed_item() is `change`: derived from
  // these (only the changed item is hashed). nullopt for a change that does
  // not fit these spans or the text.
  std::optional<ItemSpans> after(std::string_view text, const Change& change) const;

  std::size_t items() const { return bounds_.size() / 2; }
  std::size_t text_size() const { return text_size_; }

 private:
  struct Hash {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    bool operator==(const Hash&) const = default;
  };
  static Hash hash(std::string_view bytes);

  // Where piece j (0: head, odd: an item, even > 0: a gap, 2n: tail) is in
  // the text the spans were made of.
  std::size_t piece_begin(std::size_t j) const { return j == 0 ? 0 : bounds_[j - 1]; }
  std::size_t piece_end(std::size_t j) const { return j == bounds_.size() ? text_size_ : bounds_[j]; }

  std::size_t text_size_ = 0;
  std::vector<std::uint32_t> bounds_{};  // begin 0, end 0, begin 1, end 1, ...
  std::vector<Hash> hashes_{};           // one per piece: 2n + 1
};

}  // namespace lvsd::conf
