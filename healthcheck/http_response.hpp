#pragma once
// A pure HTTP/1.x response parser (RFC 9112). Like hiredis' reader it never
// touches a socket: feed() it bytes as they arrive, call finish() when the
// peer closed the connection, and ask state() whether a complete response is
// there. Handles Content-Length, chunked transfer coding and bodies delimited
// by the end of the connection; a body cut short is an error. What it keeps is
// capped: oversize headers or bodies are errors, not growing buffers.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lvsd::healthcheck {

struct HttpResponseLimits {
  std::size_t max_header_bytes = 16 * 1024;   // status line + header fields (and trailers)
  std::size_t max_body_bytes = 1024 * 1024;   // decoded body
};

class HttpResponseParser {
 public:
  enum class State { kNeedMore, kComplete, kError };

  explicit HttpResponseParser(HttpResponseLimits limits = {});

  // Consumes `bytes`. Bytes after a complete response are ignored.
  State feed(std::string_view bytes);
  // The connection was closed by the peer: completes a body delimited by the
  // end of the connection, otherwise a response still in progress is an error.
  State finish();

  State state() const { return state_; }
  bool complete() const { return state_ == State::kComplete; }
  // Why parsing failed (only in kError), e.g. "connection closed after 10 of 20 body bytes".
  const std::string& error() const { return error_; }

  // Valid once the status line was parsed.
  int status() const { return status_; }
  int http_minor_version() const { return minor_; }
  const std::string& reason_phrase() const { return reason_; }
  // Header fields in arrival order, names as received.
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  // The first field named `name` (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  // The decoded body (chunked framing removed).
  const std::string& body() const { return body_; }

 private:
  enum class Phase { kStatusLine, kHeaders, kBodyLength, kBodyUntilClose, kChunkSize, kChunkData,
                     kChunkDataEnd, kTrailers, kDone };

  // Each step consumes from pending_ starting at pos_; returns false when it needs more bytes.
  bool step();
  bool take_line(std::string_view& line);
  bool parse_status_line(std::string_view line);
  bool parse_header_line(std::string_view line);
  bool headers_done();
  bool append_body(std::string_view data);
  void fail(std::string message);
  void complete_response() {
    phase_ = Phase::kDone;
    state_ = State::kComplete;
  }

  HttpResponseLimits limits_;
  State state_ = State::kNeedMore;
  Phase phase_ = Phase::kStatusLine;
  std::string error_;
  std::string pending_;       // received, not yet consumed bytes
  std::size_t pos_ = 0;       // consumed prefix of pending_
  std::size_t header_bytes_ = 0;
  int status_ = 0;
  int minor_ = 0;
  std::string reason_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;
  std::size_t remaining_ = 0;  // body bytes left (Content-Length) or chunk bytes left
};

std::string_view to_string(HttpResponseParser::State s);

// An inclusive range of HTTP status codes; a single code is {c, c}.
struct StatusRange {
  int low = 200;
  int high = 299;
  bool contains(int status) const { return status >= low && status <= high; }
};

// A response passes when its code is in any of these ranges (keepalived's
// `status_code 200-299 503`). The first range is held inline, so the usual
// one-range check costs no allocation per url.
struct StatusCodes {
  StatusRange first{};
  std::vector<StatusRange> more{};

  StatusCodes() = default;
  StatusCodes(StatusRange range) : first(range) {}  // NOLINT(google-explicit-constructor): one range is the usual case
  bool contains(int status) const {
    if (first.contains(status)) return true;
    for (const auto& r : more)
      if (r.contains(status)) return true;
    return false;
  }
};

// MD5 of `data` as 32 lower-case hex digits (OpenSSL EVP), the form
// keepalived's genhash prints and HTTP_GET `digest` takes.
std::string md5_hex(std::string_view data);

}  // namespace lvsd::healthcheck
