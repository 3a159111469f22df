// HTTP_GET and SSL_GET: for every url, one HTTP/1.1 GET on a fresh
// connection (plain or TLS), with a Host header and "Connection: close"; the
// response is parsed by HttpResponseParser (capped) and must have a status in
// the url's range and, when configured, the body's MD5 digest. connect_timeout
// bounds each url's whole exchange.
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "healthcheck/http_response.hpp"
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

// The text of the oldest queued OpenSSL error, or `fallback`; clears the queue.
std::string openssl_error(const char* fallback) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return fallback;
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslDeleter {
  void operator()(SSL* s) const { SSL_free(s); }
};

class HttpChecker final : public ProbeBase {
 public:
  HttpChecker(core::EventLoop& loop, CheckSpec spec) : ProbeBase(loop), spec_(std::move(spec)) {
    if (spec_.urls.empty()) spec_.urls.push_back(HttpUrl{});
    tls_ = spec_.kind == CheckKind::kSsl;
    tls_name_ = !spec_.tls_sni.empty() ? spec_.tls_sni : spec_.virtualhost;
    if (tls_) setup_tls_context();
    // The same bytes every probe: built once.
    for (const HttpUrl& u : spec_.urls) {
      requests_.push_back("GET " + u.path + " HTTP/1.1\r\nHost: " + host_header() +
                          "\r\nUser-Agent: lvsd-healthcheck\r\nAccept: */*\r\nConnection: close\r\n\r\n");
    }
    if (auto address = parse_socket_address(spec_.address, spec_.port)) {
      address_ = *address;
    } else {
      address_error_ = address.error().message;
    }
  }
  ~HttpChecker() override { cancel(); }

  void start(Done done) override {
    begin(std::move(done), spec_.connect_timeout);
    if (!ctx_error_.empty()) return finish_soon(false, ctx_error_);
    url_index_ = 0;
    start_url();
  }

 private:
  enum class Phase { kConnecting, kHandshake, kSending, kReceiving };

  const HttpUrl& url() const { return spec_.urls[url_index_]; }

  void setup_tls_context() {
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    if (!ctx_) {
      ctx_error_ = "TLS: " + openssl_error("cannot create context");
      return;
    }
    // A peer that closes without close_notify ends the stream like plain TCP
    // does; the HTTP parser decides whether the response was complete.
    SSL_CTX_set_options(ctx_.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (spec_.tls_verify) {
      SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
      int ok = spec_.tls_ca_file.empty()
                   ? SSL_CTX_set_default_verify_paths(ctx_.get())
                   : SSL_CTX_load_verify_locations(ctx_.get(), spec_.tls_ca_file.c_str(), nullptr);
      if (ok != 1) ctx_error_ = "TLS: cannot load CA certificates: " + openssl_error("unknown error");
    } else {
      SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_NONE, nullptr);
    }
  }

  std::string host_header() const {
    if (!spec_.virtualhost.empty()) return spec_.virtualhost;
    bool v6 = spec_.address.find(':') != std::string::npos;
    std::string host = v6 ? "[" + spec_.address + "]" : spec_.address;
    std::uint16_t default_port = tls_ ? 443 : 80;
    if (spec_.port != default_port) host += ":" + std::to_string(spec_.port);
    return host;
  }

  void start_url() {
    close_connection();
    parser_ = HttpResponseParser(HttpResponseLimits{.max_header_bytes = spec_.max_response_header_bytes,
                                                    .max_body_bytes = spec_.max_response_body_bytes});
    sent_ = 0;
    phase_ = Phase::kConnecting;
    if (!address_error_.empty()) return finish_soon(false, address_error_);
    // TLS writes several times before it reads the response: no Nagle wait.
    auto attempt = start_connect(address_, /*no_delay=*/tls_);
    if (!attempt) return finish_soon(false, attempt.error().message);
    fd_ = std::move(attempt->fd);
    watcher_ = std::make_unique<core::IoWatcher>(loop_, fd_.get(), core::IoWatcher::kWrite,
                                                 [this](int) { on_io(); });
    watcher_->start();
  }

  void on_io() {
    switch (phase_) {
      case Phase::kConnecting: return on_connected();
      case Phase::kHandshake: return do_handshake();
      case Phase::kSending: return do_send();
      case Phase::kReceiving: return do_receive();
    }
  }

  void on_connected() {
    if (!tls_) {
      // No getsockopt(SO_ERROR): a failed connect makes the first send()
      // fail with the same errno (one syscall less per probe).
      phase_ = Phase::kSending;
      return do_send();
    }
    int err = pending_socket_error(fd_.get());
    if (err != 0) return finish(false, connect_failure_reason(err));
    ssl_.reset(SSL_new(ctx_.get()));
    if (!ssl_ || SSL_set_fd(ssl_.get(), fd_.get()) != 1) return finish(false, "TLS: " + openssl_error("SSL_new failed"));
    // SNI carries a host name only, never an address (RFC 6066 section 3).
    if (!tls_name_.empty() && !is_ip_literal(tls_name_)) SSL_set_tlsext_host_name(ssl_.get(), tls_name_.c_str());
    if (spec_.tls_verify) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl_.get());
      const std::string& name = tls_name_.empty() ? spec_.address : tls_name_;
      if (is_ip_literal(name)) X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
      else SSL_set1_host(ssl_.get(), name.c_str());
    }
    phase_ = Phase::kHandshake;
    do_handshake();
  }

  // Waits for what OpenSSL asked for; false (after finishing) on a real error.
  bool wait_for_tls(int ret, const char* what) {
    int e = SSL_get_error(ssl_.get(), ret);
    if (e == SSL_ERROR_WANT_READ) {
      watcher_->set_events(core::IoWatcher::kRead);
      return true;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
      watcher_->set_events(core::IoWatcher::kWrite);
      return true;
    }
    std::string reason = std::string("TLS ") + what + " failed: ";
    long verify = SSL_get_verify_result(ssl_.get());
    if (spec_.tls_verify && verify != X509_V_OK) {
      reason += std::string("certificate verification: ") + X509_verify_cert_error_string(verify);
    } else if (e == SSL_ERROR_SYSCALL && errno != 0) {
      reason += std::strerror(errno);
    } else {
      reason += openssl_error("connection closed");
    }
    finish(false, reason);
    return false;
  }

  void do_handshake() {
    ERR_clear_error();
    int ret = SSL_connect(ssl_.get());
    if (ret == 1) {
      phase_ = Phase::kSending;
      return do_send();
    }
    wait_for_tls(ret, "handshake");
  }

  void do_send() {
    const std::string& request = requests_[url_index_];
    while (sent_ < request.size()) {
      const char* data = request.data() + sent_;
      std::size_t left = request.size() - sent_;
      if (tls_) {
        ERR_clear_error();
        int n = SSL_write(ssl_.get(), data, static_cast<int>(left));
        if (n <= 0) {
          wait_for_tls(n, "write");
          return;
        }
        sent_ += static_cast<std::size_t>(n);
      } else {
        ssize_t n = ::send(fd_.get(), data, left, MSG_NOSIGNAL);
        if (n < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK) {
            watcher_->set_events(core::IoWatcher::kWrite);
            return;
          }
          if (sent_ == 0 && is_connect_error(errno)) return finish(false, connect_failure_reason(errno));
          return finish(false, std::string("sending request: ") + std::strerror(errno));
        }
        sent_ += static_cast<std::size_t>(n);
      }
    }
    phase_ = Phase::kReceiving;
    watcher_->set_events(core::IoWatcher::kRead);
  }

  void do_receive() {
    std::array<char, kReadChunk> buf;
    while (true) {
      if (tls_) {
        ERR_clear_error();
        int n = SSL_read(ssl_.get(), buf.data(), static_cast<int>(buf.size()));
        if (n > 0) {
          if (parser_.feed(std::string_view(buf.data(), static_cast<std::size_t>(n))) !=
              HttpResponseParser::State::kNeedMore)
            return url_done();
          continue;
        }
        int e = SSL_get_error(ssl_.get(), n);
        if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0)) {
          parser_.finish();
          return url_done();
        }
        wait_for_tls(n, "read");
        return;
      }
      ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
      if (n > 0) {
        if (parser_.feed(std::string_view(buf.data(), static_cast<std::size_t>(n))) !=
            HttpResponseParser::State::kNeedMore)
          return url_done();
        continue;
      }
      if (n == 0) {
        parser_.finish();
        return url_done();
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      return finish(false, std::string("reading response on ") + url().path + ": " + std::strerror(errno));
    }
  }

  void url_done() {
    const HttpUrl& u = url();
    if (parser_.state() != HttpResponseParser::State::kComplete) {
      return finish(false, "bad HTTP response on " + u.path + ": " + parser_.error());
    }
    int status = parser_.status();
    if (!u.status.contains(status)) return finish(false, "HTTP " + std::to_string(status) + " on " + u.path);
    if (u.digest) {
      std::string got = md5_hex(parser_.body());
      if (got != lower(*u.digest)) return finish(false, "digest mismatch on " + u.path + " (got " + got + ")");
    }
    if (url_index_ + 1 < spec_.urls.size()) {
      ++url_index_;
      rearm_deadline(spec_.connect_timeout);
      return start_url();
    }
    std::string reason = "HTTP " + std::to_string(status) + " on " + u.path;
    if (spec_.urls.size() > 1) reason += " (all " + std::to_string(spec_.urls.size()) + " urls passed)";
    finish(true, reason);
  }

  void close_connection() {
    watcher_.reset();
    ssl_.reset();
    fd_.reset();
  }
  void release() override { close_connection(); }

  std::string timeout_reason() override {
    std::string after = " after " + format_duration(spec_.connect_timeout);
    switch (phase_) {
      case Phase::kConnecting: return "connect timeout" + after;
      case Phase::kHandshake: return "TLS handshake timeout" + after;
      case Phase::kSending: return "timeout sending request" + after + " on " + url().path;
      case Phase::kReceiving: return "timeout waiting for response" + after + " on " + url().path;
    }
    return "timeout" + after;
  }

  CheckSpec spec_;
  bool tls_ = false;
  std::string tls_name_;
  std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx_;
  std::string ctx_error_;

  std::size_t url_index_ = 0;
  Phase phase_ = Phase::kConnecting;
  UniqueFd fd_;
  std::unique_ptr<SSL, SslDeleter> ssl_;
  std::unique_ptr<core::IoWatcher> watcher_;
  std::vector<std::string> requests_;  // one per url
  SocketAddress address_{};
  std::string address_error_;
  std::size_t sent_ = 0;
  HttpResponseParser parser_;
};

}  // namespace

std::unique_ptr<Checker> make_http_checker(core::EventLoop& loop, const CheckSpec& spec) {
  return std::make_unique<HttpChecker>(loop, spec);
}

}  // namespace lvsd::healthcheck
