#pragma once
// A small read-only YAML document tree built from libyaml's event parser.
// It keeps what the config loader needs and nothing more: the kind of each
// node, scalar text and whether it was plain (so `null`, `~` and an empty
// value are "nothing" only when unquoted, YAML 1.2 section 10.3.2), the tag,
// the 1-based line and column where each node starts, and mapping entries in
// document order. Aliases share the anchored node (no copy), so a file that
// repeats an anchor many times stays small here; whoever walks the tree must
// bound how much it reads (the loader does).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lvsd::conf::yaml {

struct Mark {
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in characters
};

enum class NodeKind : std::uint8_t { kNull, kScalar, kSequence, kMapping };

class Tree;
struct ParseResult;
struct ItemStream;
ParseResult parse(std::string_view text, const ItemStream* stream);

// A handle to one node of a Tree; cheap to copy, valid while the Tree lives.
class NodeRef {
 public:
  NodeRef() = default;

  bool valid() const { return tree_ != nullptr; }
  NodeKind kind() const;
  bool is_null() const { return kind() == NodeKind::kNull; }
  bool is_scalar() const { return kind() == NodeKind::kScalar; }
  bool is_sequence() const { return kind() == NodeKind::kSequence; }
  bool is_mapping() const { return kind() == NodeKind::kMapping; }

  Mark mark() const;
  std::string_view text() const;  // a scalar's value; empty otherwise
  bool plain() const;             // a scalar written without quotes or a block indicator
  std::string_view tag() const;   // the explicit tag, resolved by libyaml ("!!str": "tag:yaml.org,2002:str"), or empty

  // Items of a sequence or entries of a mapping (document order); 0 otherwise.
  std::size_t size() const;
  NodeRef item(std::size_t i) const;   // sequence item
  NodeRef key(std::size_t i) const;    // mapping entry's key
  NodeRef value(std::size_t i) const;  // mapping entry's value

  // The same node of the same tree.
  friend bool operator==(const NodeRef&, const NodeRef&) = default;

 private:
  friend class Tree;
  friend class TreeBuilder;
  NodeRef(const Tree* tree, std::uint32_t index) : tree_(tree), index_(index) {}

  const Tree* tree_ = nullptr;
  std::uint32_t index_ = 0;
};

struct SyntaxError {
  Mark mark{};
  std::string message{};  // libyaml's problem, with its context when it has one
};

// Every document of one YAML stream. Nodes live in flat arrays (no node owns
// another), so building and destroying a large file costs a few allocations.
class Tree {
 public:
  std::size_t document_count() const { return documents_.size(); }
  // Nodes of the whole stream, each alias counted once (it shares its
  // anchor's node), streamed ones included.
  std::size_t node_count() const { return nodes_.size() + dropped_; }
  // The sequence whose items were streamed (ItemStream), or an invalid
  // NodeRef. Each streamed item is a null node here, or the item itself when
  // an anchor was defined in it.
  NodeRef streamed_list() const { return streamed_ ? NodeRef(this, *streamed_) : NodeRef(); }
  NodeRef document(std::size_t i) const { return NodeRef(this, documents_.at(i).root); }
  // How many anchors (&name) the stream defines.
  std::size_t anchors_defined() const { return anchors_defined_; }
  Mark document_start(std::size_t i) const { return documents_.at(i).start; }

 private:
  friend class NodeRef;
  friend class TreeBuilder;
  friend ParseResult parse(std::string_view text, const ItemStream* stream);

  // 20 bytes: a 36,000-line file has some 85,000 nodes, and every page of
  // them is a page fault (costly inside UML). Rare tags live apart.
  struct Node {
    NodeKind kind = NodeKind::kNull;
    bool plain = false;
    bool tagged = false;  // has an entry in tags_
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    // Scalars (and null scalars): a slice of text_. Sequences and mappings:
    // a slice of children_ (items, or key, value pairs).
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };
  struct Tag {
    std::uint32_t node = 0;  // tags_ is in node order
    std::uint32_t offset = 0;  // into text_
    std::uint32_t size = 0;
  };
  struct Document {
    std::uint32_t root = 0;
    Mark start{};
  };

  std::vector<Node> nodes_{};
  std::vector<std::uint32_t> children_{};
  std::vector<Tag> tags_{};
  std::string text_{};
  std::vector<Document> documents_{};
  std::size_t dropped_ = 0;  // nodes of streamed items, no longer here
  std::size_t anchors_defined_ = 0;
  std::optional<std::uint32_t> streamed_{};
};

struct ParseResult {
  Tree tree{};
  std::optional<SyntaxError> error{};  // set: the tree is incomplete, do not use it
};

// One item of a streamed list, valid during the call only.
struct StreamedItem {
  NodeRef key;   // the list's key in the top-level mapping
  std::size_t index = 0;
  NodeRef item;
  std::size_t nodes_so_far = 0;  // Tree::node_count() when the item was complete
  // The item's bytes in the text: from its first character (after the "- ")
  // up to where the next token starts, blank lines and comments after the
  // item included (for an item of a block list, the next item's "-").
  std::size_t begin = 0;
  std::size_t end = 0;
};

// Reading a long list one item at a time: the items of the sequence under
// `key` in the first document's top-level mapping (its first occurrence) go
// to `on_item` as each is complete, and their nodes are dropped from the tree
// after the call, so that the next item reuses their memory. A table of
// 100,000 real servers then never has all its nodes at once: on every reload
// that was some 1,900-8,300 fresh pages, each a page fault (45 us inside
// user-mode-linux). An item in which an anchor is defined stays in the tree:
// a later alias may name it.
struct ItemStream {
  std::string_view key;
  std::function<void(const StreamedItem&)> on_item;
};

// Parses text (UTF-8) with libyaml. Never throws for bad input. With a
// stream, the items it names are handed over as they are read (even when a
// syntax error comes later in the file).
ParseResult parse(std::string_view text, const ItemStream* stream = nullptr);

}  // namespace lvsd::conf::yaml
