#include "healthcheck/http_response.hpp"


#include <charconv>
#include <memory>
#include <stdexcept>

#include "healthcheck/openssl_lib.hpp"

namespace lvsd::healthcheck {

namespace {

// A chunk-size line is a hex number plus optional extensions; no sane server
// sends a long one (RFC 9112 section 7.1.1).
constexpr std::size_t kMaxChunkLine = 1024;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_token_char(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// The last comma-separated element of a Transfer-Encoding value.
std::string_view last_coding(std::string_view value) {
  auto comma = value.rfind(',');
  if (comma != std::string_view::npos) value = value.substr(comma + 1);
  auto semi = value.find(';');
  if (semi != std::string_view::npos) value = value.substr(0, semi);
  return trim_ows(value);
}

}  // namespace

std::string_view to_string(HttpResponseParser::State s) {
  switch (s) {
    case HttpResponseParser::State::kNeedMore: return "need-more";
    case HttpResponseParser::State::kComplete: return "complete";
    case HttpResponseParser::State::kError: return "error";
  }
  return "?";
}

HttpResponseParser::HttpResponseParser(HttpResponseLimits limits) : limits_(limits) {}

const std::string* HttpResponseParser::header(std::string_view name) const {
  for (const auto& [n, v] : headers_) {
    if (iequals(n, name)) return &v;
  }
  return nullptr;
}

void HttpResponseParser::fail(std::string message) {
  state_ = State::kError;
  error_ = std::move(message);
  pending_.clear();
  pos_ = 0;
}

HttpResponseParser::State HttpResponseParser::feed(std::string_view bytes) {
  if (state_ != State::kNeedMore) return state_;
  pending_.append(bytes.data(), bytes.size());
  while (state_ == State::kNeedMore && step()) {
  }
  if (state_ == State::kNeedMore) {
    pending_.erase(0, pos_);
    pos_ = 0;
    // An unfinished line must not grow without bound.
    bool in_head = phase_ == Phase::kStatusLine || phase_ == Phase::kHeaders || phase_ == Phase::kTrailers;
    if (in_head && header_bytes_ + pending_.size() > limits_.max_header_bytes) {
      fail("response header larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
    } else if ((phase_ == Phase::kChunkSize || phase_ == Phase::kChunkDataEnd) && pending_.size() > kMaxChunkLine) {
      fail("chunk size line longer than " + std::to_string(kMaxChunkLine) + " bytes");
    }
  }
  return state_;
}

HttpResponseParser::State HttpResponseParser::finish() {
  if (state_ != State::kNeedMore) return state_;
  switch (phase_) {
    case Phase::kBodyUntilClose: complete_response(); break;
    case Phase::kStatusLine:
      fail(pending_.size() == pos_ && header_bytes_ == 0 ? "connection closed before any response"
                                                         : "connection closed inside the status line");
      break;
    case Phase::kHeaders: fail("connection closed inside the response header"); break;
    case Phase::kBodyLength:
      fail("connection closed after " + std::to_string(body_.size()) + " of " +
           std::to_string(body_.size() + remaining_) + " body bytes");
      break;
    default: fail("connection closed inside a chunked body after " + std::to_string(body_.size()) + " bytes"); break;
  }
  return state_;
}

bool HttpResponseParser::take_line(std::string_view& line) {
  std::string_view rest(pending_);
  rest.remove_prefix(pos_);
  auto lf = rest.find('\n');
  if (lf == std::string_view::npos) return false;
  line = rest.substr(0, lf);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // also accept a bare LF (RFC 9112 section 2.2)
  pos_ += lf + 1;
  return true;
}

bool HttpResponseParser::step() {
  std::string_view line;
  switch (phase_) {
    case Phase::kStatusLine:
    case Phase::kHeaders:
    case Phase::kTrailers: {
      std::size_t before = pos_;
      if (!take_line(line)) return false;
      header_bytes_ += pos_ - before;
      if (header_bytes_ > limits_.max_header_bytes) {
        fail("response header larger than " + std::to_string(limits_.max_header_bytes) + " bytes");
        return false;
      }
      if (phase_ == Phase::kStatusLine) return parse_status_line(line);
      if (phase_ == Phase::kTrailers) {
        if (line.empty()) complete_response();  // trailer fields are read and dropped
        return state_ == State::kNeedMore || state_ == State::kComplete;
      }
      if (line.empty()) return headers_done();
      return parse_header_line(line);
    }
    case Phase::kBodyLength:
    case Phase::kChunkData:
    case Phase::kBodyUntilClose: {
      std::size_t avail = pending_.size() - pos_;
      if (avail == 0) return false;
      std::size_t n = phase_ == Phase::kBodyUntilClose ? avail : std::min(avail, remaining_);
      if (!append_body(std::string_view(pending_).substr(pos_, n))) return false;
      pos_ += n;
      if (phase_ == Phase::kBodyUntilClose) return true;
      remaining_ -= n;
      if (remaining_ == 0) {
        if (phase_ == Phase::kBodyLength) complete_response();
        else phase_ = Phase::kChunkDataEnd;
      }
      return true;
    }
    case Phase::kChunkSize: {
      if (!take_line(line)) return false;
      auto semi = line.find(';');  // chunk extensions are ignored
      std::string_view digits = trim_ows(line.substr(0, semi));
      std::size_t size = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size, 16);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
        fail("bad chunk size line");
        return false;
      }
      if (size == 0) {
        phase_ = Phase::kTrailers;
      } else {
        if (size > limits_.max_body_bytes - body_.size()) {  // body_ never exceeds the cap
          fail("body larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
          return false;
        }
        remaining_ = size;
        phase_ = Phase::kChunkData;
      }
      return true;
    }
    case Phase::kChunkDataEnd:
      if (!take_line(line)) return false;
      if (!line.empty()) {
        fail("chunk data longer than its size");
        return false;
      }
      phase_ = Phase::kChunkSize;
      return true;
    case Phase::kDone: return false;
  }
  return false;
}

bool HttpResponseParser::append_body(std::string_view data) {
  if (body_.size() + data.size() > limits_.max_body_bytes) {
    fail("body larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
    return false;
  }
  body_.append(data.data(), data.size());
  return true;
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 section 4)
bool HttpResponseParser::parse_status_line(std::string_view line) {
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[7] < '0' || line[7] > '9' || line[8] != ' ') {
    fail("bad status line");
    return false;
  }
  int code = 0;
  for (int i = 9; i < 12; ++i) {
    char c = line[static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') {
      fail("bad status code");
      return false;
    }
    code = code * 10 + (c - '0');
  }
  if (line.size() > 12 && line[12] != ' ') {
    fail("bad status code");
    return false;
  }
  if (code < 100) {
    fail("bad status code");
    return false;
  }
  minor_ = line[7] - '0';
  status_ = code;
  reason_ = line.size() > 13 ? std::string(line.substr(13)) : std::string();
  headers_.clear();
  phase_ = Phase::kHeaders;
  return true;
}

// field-line = field-name ":" OWS field-value OWS (RFC 9112 section 5)
bool HttpResponseParser::parse_header_line(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') {
    fail("obsolete header line folding");  // RFC 9112 section 5.2
    return false;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    fail("bad header line");
    return false;
  }
  std::string_view name = line.substr(0, colon);
  for (char c : name) {
    if (!is_token_char(c)) {
      fail("bad header field name");
      return false;
    }
  }
  headers_.emplace_back(std::string(name), std::string(trim_ows(line.substr(colon + 1))));
  return true;
}

// Message body length, RFC 9112 section 6.3 (we only ever send GET).
bool HttpResponseParser::headers_done() {
  if (status_ < 200) {
    // An interim 1xx response: the final one follows.
    phase_ = Phase::kStatusLine;
    return true;
  }
  if (status_ == 204 || status_ == 304) {
    complete_response();
    return true;
  }
  const std::string* te = nullptr;
  bool have_length = false;
  std::size_t length = 0;
  for (const auto& [name, value] : headers_) {
    if (iequals(name, "Transfer-Encoding")) {
      te = &value;
    } else if (iequals(name, "Content-Length")) {
      std::string_view v = value;
      std::size_t n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n, 10);
      if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
        fail("bad Content-Length");
        return false;
      }
      if (have_length && n != length) {
        fail("conflicting Content-Length fields");
        return false;
      }
      have_length = true;
      length = n;
    }
  }
  if (te != nullptr) {
    // Transfer-Encoding wins over Content-Length; chunked must be the last coding.
    phase_ = iequals(last_coding(*te), "chunked") ? Phase::kChunkSize : Phase::kBodyUntilClose;
    return true;
  }
  if (have_length) {
    if (length > limits_.max_body_bytes) {
      fail("body larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
      return false;
    }
    remaining_ = length;
    if (length == 0) complete_response();
    else phase_ = Phase::kBodyLength;
    return true;
  }
  phase_ = Phase::kBodyUntilClose;
  return true;
}

std::string md5_hex(std::string_view data) {
  const openssl::Api* lib = openssl::api();
  if (lib == nullptr) throw std::runtime_error(openssl::load_error());
  std::unique_ptr<EVP_MD_CTX, decltype(lib->EVP_MD_CTX_free)> ctx(lib->EVP_MD_CTX_new(), lib->EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ctx || lib->EVP_DigestInit_ex(ctx.get(), lib->EVP_md5(), nullptr) != 1 ||
      lib->EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      lib->EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1) {
    throw std::runtime_error("EVP MD5 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace lvsd::healthcheck
