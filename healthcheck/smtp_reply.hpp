#pragma once
// SMTP replies as SMTP_CHECK reads them (pure). RFC 5321 4.2: a reply is one
// or more lines "DDD-text" ending with a last line "DDD text" (or just "DDD"),
// each ended by CRLF (a bare LF is taken too).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace lvsd::healthcheck {

struct SmtpReply {
  int code = 0;          // 220, 250, ...
  std::string text{};    // the last line, without its code and line end (for reasons)
  std::size_t length = 0;  // bytes of `in` the reply took
};

// The first complete reply at the start of `in`; nullopt while it is still
// incomplete. An Error for a line that is not a reply line, or lines whose
// codes differ.
core::Result<std::optional<SmtpReply>> parse_smtp_reply(std::string_view in);

}  // namespace lvsd::healthcheck
