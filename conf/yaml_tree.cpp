// Builds conf::yaml::Tree from libyaml's events. libyaml does the scanning
// and parsing (and reports syntax errors with a position); this file only
// records nodes, resolves aliases to the nodes their anchors name, and
// decides which plain scalars mean "nothing".
#include "conf/yaml_tree.hpp"

#include <yaml.h>

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace lvsd::conf::yaml {

NodeKind NodeRef::kind() const { return tree_->nodes_[index_].kind; }

Mark NodeRef::mark() const {
  const auto& node = tree_->nodes_[index_];
  return Mark{.line = static_cast<int>(node.line), .column = static_cast<int>(node.column)};
}

std::string_view NodeRef::text() const {
  const auto& node = tree_->nodes_[index_];
  if (node.kind != NodeKind::kScalar && node.kind != NodeKind::kNull) return {};
  return std::string_view(tree_->text_).substr(node.offset, node.size);
}

bool NodeRef::plain() const { return tree_->nodes_[index_].plain; }

std::string_view NodeRef::tag() const {
  if (!tree_->nodes_[index_].tagged) return {};
  const auto& tags = tree_->tags_;
  auto it = std::lower_bound(tags.begin(), tags.end(), index_,
                             [](const Tree::Tag& t, std::uint32_t node) { return t.node < node; });
  if (it == tags.end() || it->node != index_) return {};
  return std::string_view(tree_->text_).substr(it->offset, it->size);
}

std::size_t NodeRef::size() const {
  const auto& node = tree_->nodes_[index_];
  if (node.kind == NodeKind::kMapping) return node.size / 2;
  if (node.kind == NodeKind::kSequence) return node.size;
  return 0;
}

NodeRef NodeRef::item(std::size_t i) const {
  const auto& node = tree_->nodes_[index_];
  return NodeRef(tree_, tree_->children_[node.offset + i]);
}

NodeRef NodeRef::key(std::size_t i) const {
  const auto& node = tree_->nodes_[index_];
  return NodeRef(tree_, tree_->children_[node.offset + 2 * i]);
}

NodeRef NodeRef::value(std::size_t i) const {
  const auto& node = tree_->nodes_[index_];
  return NodeRef(tree_, tree_->children_[node.offset + 2 * i + 1]);
}

namespace {

// YAML 1.2 core schema (section 10.3.2): these plain scalars are null.
bool is_null_text(std::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

Mark to_mark(const yaml_mark_t& mark) {
  return Mark{.line = static_cast<int>(mark.line) + 1, .column = static_cast<int>(mark.column) + 1};
}

// libyaml's reader errors (bad encoding) carry a byte offset, not a mark.
Mark mark_at_offset(std::string_view text, std::size_t offset) {
  Mark mark{.line = 1, .column = 1};
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++mark.line;
      mark.column = 1;
    } else if ((c & 0xc0) != 0x80) {  // not a UTF-8 continuation byte
      ++mark.column;
    }
  }
  return mark;
}

std::string_view as_view(const yaml_char_t* s) {
  return s == nullptr ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(s));
}

}  // namespace

// libyaml's marks count characters, after a byte order mark; a UTF-8
// text's byte offsets are found by counting its characters from the last
// offset asked for (marks only grow).
class ByteOffsets {
 public:
  explicit ByteOffsets(std::string_view text) : text_(text), start_(text.starts_with("\xEF\xBB\xBF") ? 3 : 0) {
    bytes_ = start_;
  }
  std::size_t at(std::size_t characters) {
    if (characters < characters_) {  // never for a well-formed stream: count again
      characters_ = 0;
      bytes_ = start_;
    }
    while (characters_ < characters && bytes_ < text_.size()) {
      ++bytes_;
      while (bytes_ < text_.size() && (static_cast<unsigned char>(text_[bytes_]) & 0xc0) == 0x80) ++bytes_;
      ++characters_;
    }
    return bytes_;
  }

 private:
  std::string_view text_;
  std::size_t start_;
  std::size_t characters_ = 0;
  std::size_t bytes_ = 0;
};

class TreeBuilder {
 public:
  TreeBuilder(Tree& tree, const ItemStream* stream, std::string_view text)
      : tree_(tree), stream_(stream), offsets_(text) {}

  // Adds one event to the tree; an error for an alias naming no anchor.
  std::optional<SyntaxError> add(const yaml_event_t& event) {
    if (in_streamed_list()) {
      // An event at the list's own level starts an item or ends the list.
      item_begin_ = event.start_mark.index;
    }
    event_end_ = event.end_mark.index;
    switch (event.type) {
      case YAML_DOCUMENT_START_EVENT:
        anchors_.clear();  // anchors do not cross documents (YAML 1.2 section 3.2.2.2)
        tree_.documents_.push_back(Tree::Document{.root = 0, .start = to_mark(event.start_mark)});
        break;
      case YAML_SCALAR_EVENT: {
        const auto& s = event.data.scalar;
        std::string_view value(reinterpret_cast<const char*>(s.value), s.length);
        const bool plain = s.style == YAML_PLAIN_SCALAR_STYLE;
        const bool null = plain && s.tag == nullptr && is_null_text(value);
        std::uint32_t index = new_node(null ? NodeKind::kNull : NodeKind::kScalar, event, s.tag);
        auto& node = tree_.nodes_[index];
        node.plain = plain;
        node.offset = static_cast<std::uint32_t>(tree_.text_.size());
        node.size = static_cast<std::uint32_t>(value.size());
        tree_.text_.append(value);
        name_anchor(s.anchor, index);
        attach(index);
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
        return open(new_node(NodeKind::kSequence, event, event.data.sequence_start.tag),
                    as_view(event.data.sequence_start.anchor), event);
      case YAML_MAPPING_START_EVENT:
        return open(new_node(NodeKind::kMapping, event, event.data.mapping_start.tag),
                    as_view(event.data.mapping_start.anchor), event);
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        close();
        break;
      case YAML_ALIAS_EVENT: {
        // An anchor is known once its node is complete, so an alias can
        // never name a node that contains it: the tree has no cycles.
        auto it = anchors_.find(std::string(as_view(event.data.alias.anchor)));
        if (it == anchors_.end())
          return SyntaxError{.mark = to_mark(event.start_mark),
                             .message = "alias *" + std::string(as_view(event.data.alias.anchor)) +
                                        " names no anchor defined before it"};
        attach(it->second);
        break;
      }
      default:
        break;
    }
    return std::nullopt;
  }

 private:
  // A configuration nests about ten levels; libyaml's scanner costs grow
  // with the depth for every token (found with a file of 100,000 '[').
  static constexpr std::size_t kMaxDepth = 64;

  struct OpenCollection {
    std::uint32_t node;
    std::size_t first_child;  // in pending_
    std::string anchor;
  };

  std::uint32_t new_node(NodeKind kind, const yaml_event_t& event, const yaml_char_t* tag) {
    Tree::Node node;
    node.kind = kind;
    node.line = static_cast<std::uint32_t>(event.start_mark.line) + 1;
    node.column = static_cast<std::uint32_t>(event.start_mark.column) + 1;
    const auto index = static_cast<std::uint32_t>(tree_.nodes_.size());
    if (tag != nullptr) {
      std::string_view t = as_view(tag);
      node.tagged = true;
      tree_.tags_.push_back(Tree::Tag{.node = index,
                                      .offset = static_cast<std::uint32_t>(tree_.text_.size()),
                                      .size = static_cast<std::uint32_t>(t.size())});
      tree_.text_.append(t);
    }
    tree_.nodes_.push_back(node);
    return index;
  }

  void name_anchor(const yaml_char_t* anchor, std::uint32_t index) {
    if (anchor == nullptr) return;
    anchors_[std::string(as_view(anchor))] = index;  // a later anchor wins
    ++tree_.anchors_defined_;
  }

  bool in_streamed_list() const {
    return tree_.streamed_ && open_.size() == 2 && open_.back().node == *tree_.streamed_;
  }

  std::optional<SyntaxError> open(std::uint32_t index, std::string_view anchor, const yaml_event_t& event) {
    if (open_.size() == kMaxDepth)
      return SyntaxError{.mark = to_mark(event.start_mark),
                         .message = "nested more than " + std::to_string(kMaxDepth) + " levels deep"};
    const bool streamed = starts_streamed_list(index);
    open_.push_back(OpenCollection{.node = index, .first_child = pending_.size(), .anchor = std::string(anchor)});
    if (streamed) {
      tree_.streamed_ = index;
      // What a streamed item leaves in the list: one null node for all.
      placeholder_ = static_cast<std::uint32_t>(tree_.nodes_.size());
      tree_.nodes_.push_back(Tree::Node{.kind = NodeKind::kNull, .plain = true, .tagged = false,
                                        .line = tree_.nodes_[index].line, .column = tree_.nodes_[index].column,
                                        .offset = 0, .size = 0});
      item_start_ = sizes();
    }
    return std::nullopt;
  }

  // Whether the sequence `index`, about to be opened, is the value of the
  // streamed key in the first document's top-level mapping.
  bool starts_streamed_list(std::uint32_t index) const {
    if (stream_ == nullptr || tree_.streamed_ || tree_.documents_.size() != 1 || open_.size() != 1) return false;
    if (tree_.nodes_[index].kind != NodeKind::kSequence) return false;
    const OpenCollection& root = open_.front();
    if (tree_.nodes_[root.node].kind != NodeKind::kMapping) return false;
    const std::size_t entries = pending_.size() - root.first_child;
    if (entries % 2 == 0) return false;  // a key, not a value
    const NodeRef key(&tree_, pending_.back());
    return key.is_scalar() && key.text() == stream_->key;
  }

  void close() {
    OpenCollection done = std::move(open_.back());
    open_.pop_back();
    auto& node = tree_.nodes_[done.node];
    node.offset = static_cast<std::uint32_t>(tree_.children_.size());
    node.size = static_cast<std::uint32_t>(pending_.size() - done.first_child);
    tree_.children_.insert(tree_.children_.end(), pending_.begin() + static_cast<std::ptrdiff_t>(done.first_child),
                           pending_.end());
    pending_.resize(done.first_child);
    if (!done.anchor.empty()) {
      anchors_[done.anchor] = done.node;
      ++tree_.anchors_defined_;
    }
    attach(done.node);
  }

  void attach(std::uint32_t index) {
    if (open_.empty()) {
      tree_.documents_.back().root = index;
    } else if (in_streamed_list()) {
      pending_.push_back(streamed_item(index));
    } else {
      pending_.push_back(index);
    }
  }

  // How far the tree's arrays reach: where a streamed item starts.
  struct Sizes {
    std::size_t nodes, children, text, tags, anchors;
  };
  Sizes sizes() const {
    return Sizes{.nodes = tree_.nodes_.size(), .children = tree_.children_.size(), .text = tree_.text_.size(),
                 .tags = tree_.tags_.size(), .anchors = tree_.anchors_defined_};
  }

  // Hands a complete item of the streamed list over, then drops its nodes
  // unless an anchor was defined in it. Returns what the list keeps.
  std::uint32_t streamed_item(std::uint32_t index) {
    const OpenCollection& list = open_.back();
    stream_->on_item(StreamedItem{.key = NodeRef(&tree_, pending_[list.first_child - 1]),  // the list's key
                                  .index = pending_.size() - list.first_child,
                                  .item = NodeRef(&tree_, index),
                                  .nodes_so_far = tree_.node_count(),
                                  .begin = offsets_.at(item_begin_),
                                  .end = offsets_.at(event_end_)});
    std::uint32_t kept = index;
    if (tree_.anchors_defined_ == item_start_.anchors && index >= item_start_.nodes) {
      tree_.dropped_ += tree_.nodes_.size() - item_start_.nodes;
      tree_.nodes_.resize(item_start_.nodes);
      tree_.children_.resize(item_start_.children);
      tree_.text_.resize(item_start_.text);
      tree_.tags_.resize(item_start_.tags);
      kept = placeholder_;
    }
    item_start_ = sizes();
    return kept;
  }

  Tree& tree_;
  const ItemStream* stream_;
  ByteOffsets offsets_;
  std::size_t item_begin_ = 0;  // libyaml's marks (characters)
  std::size_t event_end_ = 0;
  std::uint32_t placeholder_ = 0;
  Sizes item_start_{};
  std::vector<OpenCollection> open_{};
  std::vector<std::uint32_t> pending_{};  // children of the open collections, innermost last
  std::unordered_map<std::string, std::uint32_t> anchors_{};
};

ParseResult parse(std::string_view text, const ItemStream* stream) {
  ParseResult result;
  // Offsets in the tree are 32-bit; a configuration is far smaller.
  if (text.size() > std::numeric_limits<std::uint32_t>::max() / 4) {
    result.error = SyntaxError{.mark = {.line = 1, .column = 1}, .message = "file too large"};
    return result;
  }
  yaml_parser_t parser;
  if (yaml_parser_initialize(&parser) == 0) {
    result.error = SyntaxError{.mark = {.line = 1, .column = 1}, .message = "out of memory"};
    return result;
  }
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
  // A node takes at least two bytes of text ("a\n", "1,"): reserving for a
  // quarter of the bytes avoids regrowing the arrays (which would touch twice
  // the memory) while untouched reserved pages cost nothing. A streamed tree
  // holds one item at a time and grows as it needs.
  if (stream == nullptr) {
    result.tree.nodes_.reserve(text.size() / 4 + 16);
    result.tree.children_.reserve(text.size() / 4 + 16);
    result.tree.text_.reserve(text.size() / 2 + 16);
  }
  TreeBuilder builder(result.tree, stream, text);
  for (;;) {
    yaml_event_t event;
    if (yaml_parser_parse(&parser, &event) == 0) {
      SyntaxError error;
      error.message = parser.problem != nullptr ? parser.problem : "out of memory";
      if (parser.error == YAML_READER_ERROR) {
        error.mark = mark_at_offset(text, parser.problem_offset);
      } else {
        error.mark = to_mark(parser.problem_mark);
        if (parser.context != nullptr) {
          const Mark at = to_mark(parser.context_mark);
          error.message += " (" + std::string(parser.context) + " at line " + std::to_string(at.line) + ", column " +
                           std::to_string(at.column) + ")";
        }
      }
      result.error = std::move(error);
      break;
    }
    auto failed = builder.add(event);
    const bool end = event.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&event);
    if (failed) {
      result.error = std::move(failed);
      break;
    }
    if (end) break;
  }
  yaml_parser_delete(&parser);
  return result;
}

}  // namespace lvsd::conf::yaml
