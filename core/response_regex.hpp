#pragma once
// HTTP_GET's url regex (keepalived's regex, regex_options, regex_min_offset,
// regex_max_offset), matched with PCRE2 (pcre2-8, as keepalived 2.2.7). Pure:
// compile a pattern, search a received response.
//
// keepalived 2.2.7 matches its read buffer, which holds the response from its
// first byte (status line and headers too) when the first read brings the
// headers and some of the body, the usual case (measured: "hello" matches with
// regex_min_offset 1 in a response whose body is "hello world"). lvsd matches
// the response it received (bounded by the check's limits) once, from its
// first byte, so the offsets count as keepalived's do: a match counts when it
// starts at or after min_offset (the search starts there; a lookbehind may
// look before it) and, with max_offset, at or before max_offset. As
// keepalived, only the first match from min_offset is considered.
//
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

class ResponseRegex {
 public:
  // Compiles `pattern` with the named options (regex_option_names()). An
  // unknown option or a pattern PCRE2 refuses is an Error whose message says
  // why (for a pattern: PCRE2's message and the offset in the pattern).
  static Result<ResponseRegex> compile(std::string_view pattern, std::span<const std::string> options);

  // Whether the first match in `subject` at or after min_offset starts at or
  // before max_offset (unset: anywhere). A min_offset beyond the subject: no
  // match. An Error for a match PCRE2 could not complete (its limits).
  Result<bool> search(std::string_view subject, std::size_t min_offset, std::optional<std::size_t> max_offset) const;

 private:
  struct Code;
  explicit ResponseRegex(std::shared_ptr<const Code> code) : code_(std::move(code)) {}
  std::shared_ptr<const Code> code_;
};

}  // namespace lvsd::core
