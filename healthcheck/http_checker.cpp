// HTTP_GET and SSL_GET: for every url, one GET on a fresh connection (plain
// or TLS), as http_request() writes it (http_protocol); the response is
// parsed by HttpResponseParser (capped) and must have a status in the url's
// range and, when configured, the body's MD5 digest and its regex match. connect_timeout
// bounds each url's whole exchange, with two allowances for a busy loop (see
// on_connected and on_deadline): a connection noticed late gets a whole
// connect_timeout for the exchange, and bytes waiting at the deadline are read.
#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <cerrno>
#include <cstring>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "core/response_regex.hpp"
#include "healthcheck/http_request.hpp"
#include "healthcheck/http_response.hpp"
#include "healthcheck/openssl_lib.hpp"
#include "healthcheck/probe_base.hpp"
#include "healthcheck/socket_util.hpp"

namespace lvsd::healthcheck {

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

bool is_ip_literal(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// OpenSSL's functions. Only TLS code calls it, which runs once setup_tls()
// loaded the library (a probe fails with setup_error_ otherwise).
const openssl::Api& ossl() { return *openssl::api(); }

// The text of the oldest queued OpenSSL error, or `fallback`; clears the queue.
std::string openssl_error(const char* fallback) {
  unsigned long e = ossl().ERR_get_error();
  ossl().ERR_clear_error();
  if (e == 0) return fallback;
  char buf[256];
  ossl().ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const { ossl().SSL_CTX_free(c); }
};
struct SslDeleter {
  void operator()(SSL* s) const { ossl().SSL_free(s); }
};

// A url's regex (rare: held apart, see UrlCheck).
struct UrlRegex {
  core::ResponseRegex regex;
  std::size_t min_offset = 0;
  std::optional<std::size_t> max_offset{};
  bool no_match = false;  // a match fails the url
};

// What a probe needs of one url, built once: the request bytes (the path is
// inside them) and what the response must satisfy.
// One allocation per url (thousands of idle checks hold one each).
struct UrlCheck {
  std::unique_ptr<UrlRegex> regex;  // null: no regex
  std::string tls_sni;              // SSL_GET: the server name sent; empty: none
  std::string bytes;  // "GET " + path + " HTTP/1.1...", then the expected digest (lower-case hex), if any
  std::uint32_t request_length = 0;
  std::uint32_t path_length = 0;
  StatusCodes status{};
  static constexpr std::size_t kPathOffset = 4;  // after "GET "
  std::string_view request() const { return std::string_view(bytes).substr(0, request_length); }
  std::string_view path() const { return std::string_view(bytes).substr(kPathOffset, path_length); }
  std::string_view digest() const { return std::string_view(bytes).substr(request_length); }  // empty: not checked
};

// SSL_GET only: the context and the name to send and verify.
struct TlsSetup {
  std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx;
  std::string verify_name;  // tls_sni, else virtualhost, else the target address
  bool verify = false;
};

// The state of one url's exchange, allocated when it starts and freed when
// it ends, so that an idle check (almost all of them, almost all the time)
// holds no watcher, TLS session or parser (which keeps the response it reads).
struct Exchange {
  Exchange(core::EventLoop& loop, core::UniqueFd socket, std::function<void(int)> on_io,
           const HttpResponseLimits& limits)
      : fd(std::move(socket)), watcher(loop, fd.get(), core::IoWatcher::kWrite, std::move(on_io)), parser(limits) {}
  core::UniqueFd fd;
  core::IoWatcher watcher;
  std::unique_ptr<SSL, SslDeleter> ssl;
  HttpResponseParser parser;
  std::string raw;  // the response as received, for a url with a regex (keepalived matches that)
  std::size_t sent = 0;
  int wanted = core::IoWatcher::kWrite;  // what the watcher waits for
};

class HttpChecker final : public ProbeBase {
 public:
  // Keeps what a probe needs, not the whole spec.
  HttpChecker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec)
      : ProbeBase(loop, timers),
        connect_timeout_(spec.connect_timeout),
        max_header_bytes_(clamp32(spec.max_response_header_bytes)),
        max_body_bytes_(clamp32(spec.max_response_body_bytes)) {
    if (spec.kind == CheckKind::kSsl) setup_tls(spec);
    // The same bytes every probe: built once.
    const std::string host = host_header(spec);
    const std::vector<HttpUrl> default_urls{HttpUrl{}};
    const std::vector<HttpUrl>& urls = spec.urls.empty() ? default_urls : spec.urls;
    urls_.reserve(urls.size());
    for (const HttpUrl& u : urls) {
      UrlCheck& c = urls_.emplace_back();
      c.bytes = http_request(u.path, u.host.empty() ? host : u.host, spec.http_version);
      c.request_length = static_cast<std::uint32_t>(c.bytes.size());
      if (spec.kind == CheckKind::kSsl) c.tls_sni = u.tls_sni.empty() ? spec.tls_sni : u.tls_sni;
      if (u.regex) {
        // The configuration was validated; a pattern that fails here fails every probe.
        if (auto compiled = core::ResponseRegex::compile(*u.regex, u.regex_options)) {
          c.regex = std::make_unique<UrlRegex>(UrlRegex{.regex = std::move(*compiled),
                                                        .min_offset = u.regex_min_offset,
                                                        .max_offset = u.regex_max_offset,
                                                        .no_match = u.regex_no_match});
        } else if (!setup_error_) {
          setup_error_ = std::make_unique<std::string>("regex on " + u.path + ": " + compiled.error().message);
        }
      }
      if (u.digest) c.bytes += lower(*u.digest);
      c.bytes.shrink_to_fit();
      c.path_length = static_cast<std::uint32_t>(u.path.size());
      c.status = u.status;
    }
    if (setup_error_) return;
    if (auto address = parse_socket_address(spec.address, spec.port)) {
      address_ = *address;
    } else {
      setup_error_ = std::make_unique<std::string>(address.error().message);
    }
    if (auto source = source_options(spec)) source_ = std::move(*source);
    else setup_error_ = std::make_unique<std::string>(source.error().message);
  }
  ~HttpChecker() override { cancel(); }

  void start(Done done) override {
    begin(std::move(done), connect_timeout_);
    if (setup_error_) return finish_soon(false, *setup_error_);
    url_index_ = 0;
    start_url();
  }

 private:
  enum class Phase : std::uint8_t { kConnecting, kHandshake, kSending, kReceiving };

  static std::uint32_t clamp32(std::size_t n) {
    return static_cast<std::uint32_t>(std::min<std::size_t>(n, std::numeric_limits<std::uint32_t>::max()));
  }
  const UrlCheck& url() const { return urls_[url_index_]; }
  bool tls() const { return static_cast<bool>(tls_); }

  void setup_tls(const CheckSpec& spec) {
    tls_ = std::make_unique<TlsSetup>();
    const std::string& name = !spec.tls_sni.empty() ? spec.tls_sni : spec.virtualhost;
    tls_->verify_name = name.empty() ? spec.address : name;
    tls_->verify = spec.tls_verify;
    if (openssl::api() == nullptr) {
      setup_error_ = std::make_unique<std::string>("TLS: " + openssl::load_error());
      return;
    }
    tls_->ctx.reset(ossl().SSL_CTX_new(ossl().TLS_client_method()));
    SSL_CTX* ctx = tls_->ctx.get();
    if (ctx == nullptr) {
      setup_error_ = std::make_unique<std::string>("TLS: " + openssl_error("cannot create context"));
      return;
    }
    // A peer that closes without close_notify ends the stream like plain TCP
    // does; the HTTP parser decides whether the response was complete.
    ossl().SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (spec.tls_verify) {
      ossl().SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      int ok = spec.tls_ca_file.empty() ? ossl().SSL_CTX_set_default_verify_paths(ctx)
                                        : ossl().SSL_CTX_load_verify_locations(ctx, spec.tls_ca_file.c_str(), nullptr);
      if (ok != 1)
        setup_error_ = std::make_unique<std::string>("TLS: cannot load CA certificates: " + openssl_error("unknown error"));
    } else {
      ossl().SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    }
  }

  static std::string host_header(const CheckSpec& spec) {
    if (!spec.virtualhost.empty()) return spec.virtualhost;
    bool v6 = spec.address.find(':') != std::string::npos;
    std::string host = v6 ? "[" + spec.address + "]" : spec.address;
    std::uint16_t default_port = spec.kind == CheckKind::kSsl ? 443 : 80;
    if (spec.port != default_port) host += ":" + std::to_string(spec.port);
    return host;
  }

  void start_url() {
    ex_.reset();
    phase_ = Phase::kConnecting;
    late_read_ = false;
    // TLS writes several times before it reads the response: no Nagle wait.
    auto attempt = start_connect(address_, /*no_delay=*/tls(), source_.get());
    if (!attempt) return finish_soon(false, attempt.error().message);
    ex_ = std::make_unique<Exchange>(loop_, std::move(attempt->fd), [this](int) { on_io(); },
                                     HttpResponseLimits{.max_header_bytes = max_header_bytes_,
                                                        .max_body_bytes = max_body_bytes_});
    ex_->watcher.start();
  }

  void watch(int events) {
    ex_->wanted = events;
    ex_->watcher.set_events(events);
  }

  void on_io() {
    switch (phase_) {
      case Phase::kConnecting: return on_connected();
      case Phase::kHandshake: return do_handshake();
      case Phase::kSending: return do_send();
      case Phase::kReceiving: return do_receive();
    }
  }

  // What arrived in time but our busy loop has not handled yet (libev runs
  // an iteration's timers before its I/O callbacks) is not the server's
  // delay: handle it now. A connection found established goes on (with its
  // own connect_timeout, see on_connected); response bytes found waiting are
  // read, and if they do not complete the response the url ends at the next
  // iteration. A server that sends nothing still times out.
  void on_deadline() override {
    if (late_read_ || !ex_ || ready_now(ex_->fd.get(), ex_->wanted) == 0) return finish(false, timeout_reason());
    if (phase_ != Phase::kConnecting) {
      late_read_ = true;
      rearm_deadline(core::Duration::zero());
    }
    on_io();  // may finish the probe and destroy this
  }

  void on_connected() {
    // A loop that notices the connection late must not eat the server's
    // time to answer: past half of connect_timeout, the exchange gets a whole
    // one from now. (Usually the connect takes far less: no re-arm, no
    // clock read; elapsed() uses the loop's cached time.)
    if (elapsed() > connect_timeout_ / 2) rearm_deadline(connect_timeout_);
    if (!tls()) {
      // No getsockopt(SO_ERROR): a failed connect makes the first send()
      // fail with the same errno (one syscall less per probe).
      phase_ = Phase::kSending;
      return do_send();
    }
    const int fd = ex_->fd.get();
    int err = pending_socket_error(fd);
    if (err != 0) return finish(false, connect_failure_reason(err));
    ex_->ssl.reset(ossl().SSL_new(tls_->ctx.get()));
    SSL* ssl = ex_->ssl.get();
    if (ssl == nullptr || ossl().SSL_set_fd(ssl, fd) != 1) return finish(false, "TLS: " + openssl_error("SSL_new failed"));
    // SNI carries a host name only, never an address (RFC 6066 section 3).
    const std::string& sni = url().tls_sni;
    if (!sni.empty() && !is_ip_literal(sni))
      ossl().SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(sni.c_str()));
    if (tls_->verify) {
      X509_VERIFY_PARAM* param = ossl().SSL_get0_param(ssl);
      const std::string& name = tls_->verify_name;
      if (is_ip_literal(name)) ossl().X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
      else ossl().SSL_set1_host(ssl, name.c_str());
    }
    phase_ = Phase::kHandshake;
    do_handshake();
  }

  // Waits for what OpenSSL asked for; false (after finishing) on a real error.
  bool wait_for_tls(int ret, const char* what) {
    SSL* ssl = ex_->ssl.get();
    int e = ossl().SSL_get_error(ssl, ret);
    if (e == SSL_ERROR_WANT_READ) {
      watch(core::IoWatcher::kRead);
      return true;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
      watch(core::IoWatcher::kWrite);
      return true;
    }
    std::string reason = std::string("TLS ") + what + " failed: ";
    long verify = ossl().SSL_get_verify_result(ssl);
    if (tls_->verify && verify != X509_V_OK) {
      reason += std::string("certificate verification: ") + ossl().X509_verify_cert_error_string(verify);
    } else if (e == SSL_ERROR_SYSCALL && errno != 0) {
      reason += std::strerror(errno);
    } else {
      reason += openssl_error("connection closed");
    }
    finish(false, reason);
    return false;
  }

  void do_handshake() {
    ossl().ERR_clear_error();
    int ret = ossl().SSL_connect(ex_->ssl.get());
    if (ret == 1) {
      phase_ = Phase::kSending;
      return do_send();
    }
    wait_for_tls(ret, "handshake");
  }

  void do_send() {
    const std::string_view request = url().request();
    Exchange& ex = *ex_;
    while (ex.sent < request.size()) {
      const char* data = request.data() + ex.sent;
      std::size_t left = request.size() - ex.sent;
      if (tls()) {
        ossl().ERR_clear_error();
        int n = ossl().SSL_write(ex.ssl.get(), data, static_cast<int>(left));
        if (n <= 0) {
          wait_for_tls(n, "write");
          return;
        }
        ex.sent += static_cast<std::size_t>(n);
      } else {
        ssize_t n = ::send(ex.fd.get(), data, left, MSG_NOSIGNAL);
        if (n < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK) {
            watch(core::IoWatcher::kWrite);
            return;
          }
          if (ex.sent == 0 && is_connect_error(errno)) return finish(false, connect_failure_reason(errno));
          return finish(false, std::string("sending request: ") + std::strerror(errno));
        }
        ex.sent += static_cast<std::size_t>(n);
      }
    }
    phase_ = Phase::kReceiving;
    watch(core::IoWatcher::kRead);
  }

  // What a url's regex is matched against: the response's bytes from its
  // first (status line, headers, body as sent), as keepalived 2.2.7 matches
  // its read buffer; at most the parser's limits.
  void keep_raw(std::string_view bytes) {
    if (!url().regex) return;
    const std::size_t room = std::size_t{max_header_bytes_} + max_body_bytes_;
    if (ex_->raw.size() < room) ex_->raw.append(bytes.substr(0, room - ex_->raw.size()));
  }

  void do_receive() {
    std::array<char, kReadChunk> buf;
    Exchange& ex = *ex_;
    while (true) {
      if (tls()) {
        ossl().ERR_clear_error();
        int n = ossl().SSL_read(ex.ssl.get(), buf.data(), static_cast<int>(buf.size()));
        if (n > 0) {
          keep_raw(std::string_view(buf.data(), static_cast<std::size_t>(n)));
          if (ex.parser.feed(std::string_view(buf.data(), static_cast<std::size_t>(n))) !=
              HttpResponseParser::State::kNeedMore)
            return url_done();
          continue;
        }
        int e = ossl().SSL_get_error(ex.ssl.get(), n);
        if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0)) {
          ex.parser.finish();
          return url_done();
        }
        wait_for_tls(n, "read");
        return;
      }
      ssize_t n = ::recv(ex.fd.get(), buf.data(), buf.size(), 0);
      if (n > 0) {
        keep_raw(std::string_view(buf.data(), static_cast<std::size_t>(n)));
        if (ex.parser.feed(std::string_view(buf.data(), static_cast<std::size_t>(n))) !=
            HttpResponseParser::State::kNeedMore)
          return url_done();
        continue;
      }
      if (n == 0) {
        ex.parser.finish();
        return url_done();
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      return finish(false, "reading response on " + std::string(url().path()) + ": " + std::strerror(errno));
    }
  }

  void url_done() {
    const UrlCheck& u = url();
    const std::string path(u.path());
    const HttpResponseParser& parser = ex_->parser;
    if (parser.state() != HttpResponseParser::State::kComplete) {
      return finish(false, "bad HTTP response on " + path + ": " + parser.error());
    }
    int status = parser.status();
    if (!u.status.contains(status)) return finish(false, "HTTP " + std::to_string(status) + " on " + path);
    if (!u.digest().empty()) {
      std::string got;
      try {
        got = md5_hex(parser.body());
      } catch (const std::exception& e) {
        return finish(false, std::string("digest on ") + path + ": " + e.what());
      }
      if (got != u.digest()) return finish(false, "digest mismatch on " + path + " (got " + got + ")");
    }
    if (u.regex) {
      const UrlRegex& r = *u.regex;
      auto matched = r.regex.search(ex_->raw, r.min_offset, r.max_offset);
      if (!matched) return finish(false, "regex on " + path + ": " + matched.error().message);
      if (*matched && r.no_match) return finish(false, "regex matched on " + path + " (regex_no_match)");
      if (!*matched && !r.no_match) return finish(false, "regex did not match on " + path);
    }
    if (url_index_ + 1 < urls_.size()) {
      ++url_index_;
      rearm_deadline(connect_timeout_);
      return start_url();
    }
    std::string reason = "HTTP " + std::to_string(status) + " on " + path;
    if (urls_.size() > 1) reason += " (all " + std::to_string(urls_.size()) + " urls passed)";
    finish(true, reason);
  }

  void release() override { ex_.reset(); }

  std::string timeout_reason() override {
    std::string after = " after " + format_duration(connect_timeout_);
    switch (phase_) {
      case Phase::kConnecting: return "connect timeout" + after;
      case Phase::kHandshake: return "TLS handshake timeout" + after;
      case Phase::kSending: return "timeout sending request" + after + " on " + std::string(url().path());
      case Phase::kReceiving: return "timeout waiting for response" + after + " on " + std::string(url().path());
    }
    return "timeout" + after;
  }

  // Configuration, built once.
  core::Duration connect_timeout_;
  std::uint32_t max_header_bytes_;  // HttpResponseLimits, in half the room
  std::uint32_t max_body_bytes_;
  std::vector<UrlCheck> urls_;      // at least one
  SocketAddress address_{};
  std::unique_ptr<SourceOptions> source_;  // bindto...: rare, held apart
  std::unique_ptr<TlsSetup> tls_;   // SSL_GET only
  std::unique_ptr<std::string> setup_error_;  // set: every probe fails with it (bad address, TLS context); rare

  // The probe in flight.
  std::unique_ptr<Exchange> ex_;   // only while a url is being fetched
  std::uint32_t url_index_ = 0;
  Phase phase_ = Phase::kConnecting;
  bool late_read_ = false;  // the deadline passed while bytes were waiting (see on_deadline)
};

}  // namespace

std::unique_ptr<Checker> make_http_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec) {
  return std::make_unique<HttpChecker>(loop, timers, spec);
}

}  // namespace lvsd::healthcheck
