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
ParseResult parse(std::string_view text);

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

 private:
  friend class Tree;
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
  // Nodes of the whole stream, each alias counted once (it shares its anchor's node).
  std::size_t node_count() const { return nodes_.size(); }
  NodeRef document(std::size_t i) const { return NodeRef(this, documents_.at(i).root); }
  Mark document_start(std::size_t i) const { return documents_.at(i).start; }

 private:
  friend class NodeRef;
  friend class TreeBuilder;
  friend ParseResult parse(std::string_view text);

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
};

struct ParseResult {
  Tree tree{};
  std::optional<SyntaxError> error{};  // set: the tree is incomplete, do not use it
};

// Parses text (UTF-8) with libyaml. Never throws for bad input.
ParseResult parse(std::string_view text);

}  // namespace lvsd::conf::yaml
