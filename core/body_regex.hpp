#pragma once
// HTTP_GET's url regex (keepalived's regex, regex_options, regex_min_offset,
// regex_max_offset), matched with PCRE2 (pcre2-8, as keepalived 2.2.7). Pure:
// compile a pattern, search a received body.
//
// keepalived matches the body while it streams in; lvsd matches the body it
// received (bounded by the check's max_response_body_bytes) once, with the
// same result for the offsets: a match counts when it starts at or after
// min_offset (the search starts there; lookbehind may look before it) and,
// with max_offset, at or before max_offset. As keepalived, only the first
// match from min_offset is considered.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace lvsd::core {

// The regex_options keepalived 2.2.7 accepts, in its order ("allow_empty_class" ... "use_offset_limit").
const std::vector<std::string_view>& regex_option_names();

class BodyRegex {
 public:
  // Compiles `pattern` with the named options (regex_option_names()). An
  // unknown option or a pattern PCRE2 refuses is an Error whose message says
  // why (for a pattern: PCRE2's message and the offset in the pattern).
  static Result<BodyRegex> compile(std::string_view pattern, std::span<const std::string> options);

  // Whether the first match at or after min_offset starts at or before
  // max_offset (unset: anywhere). A min_offset beyond the body: no match.
  // An Error for a match PCRE2 could not complete (its limits).
  Result<bool> search(std::string_view body, std::size_t min_offset, std::optional<std::size_t> max_offset) const;

 private:
  struct Code;
  explicit BodyRegex(std::shared_ptr<const Code> code) : code_(std::move(code)) {}
  std::shared_ptr<const Code> code_;
};

}  // namespace lvsd::core
