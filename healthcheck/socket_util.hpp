#pragma once
// Small socket helpers shared by the TCP, HTTP and SSL checkers.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/result.hpp"
#include "core/unique_fd.hpp"
#include "healthcheck/check_spec.hpp"

namespace lvsd::healthcheck {

// An IPv4 or IPv6 socket address: 32 bytes where sockaddr_storage takes 128
// (every checker holds one).
struct SocketAddress {
  union Storage {
    sockaddr sa;
    sockaddr_in v4;
    sockaddr_in6 v6;
  } storage{};
  socklen_t length = 0;
};

// Parses an IPv4 or IPv6 literal (no names: checks must not block on DNS).
core::Result<SocketAddress> parse_socket_address(const std::string& address, std::uint16_t port);

// keepalived's connection options of a probe's socket (bindto, bind_port,
// bind_if, fwmark), applied before its connect. A checker without any holds none.
struct SourceOptions {
  std::optional<SocketAddress> bind{};  // source address and port (0: any)
  std::string interface{};              // SO_BINDTODEVICE
  std::uint32_t fwmark = 0;             // SO_MARK; 0: none
};

// The options `spec` asks for (with_port false: PING_CHECK, whose socket has
// no port), or nullptr when it asks for none; an Error for a bad bind address.
core::Result<std::unique_ptr<SourceOptions>> source_options(const CheckSpec& spec, bool with_port = true);

// SO_MARK, SO_BINDTODEVICE, then bind(), as keepalived does. An Error whose
// message is the reason ("SO_MARK 5: Operation not permitted").
core::Status apply_source_options(int fd, const SourceOptions& options);

// A non-blocking TCP connect in progress (or already done: `connected`).
struct ConnectAttempt {
  core::UniqueFd fd;
  bool connected = false;
};

// Starts a non-blocking connect. An immediate failure (ECONNREFUSED on
// loopback, ENETUNREACH...) is an Error whose message is the reason text.
// `no_delay` sets TCP_NODELAY: only worth its syscall when a probe writes
// more than once before reading (TLS); one request written at once is never
// held back by Nagle (nothing is unacknowledged yet).
// `source`: the socket's options (bindto...), applied before the connect.
core::Result<ConnectAttempt> start_connect(const SocketAddress& address, bool no_delay = false,
                                           const SourceOptions* source = nullptr);

// True for the errno values a failed connect leaves on a socket, which a
// first send() on it reports as well.
bool is_connect_error(int err);

// After the socket became writable: 0 if connected, else the errno.
int pending_socket_error(int fd);

// Reason text for a failed connect: "connection refused", "connect: No route to host".
std::string connect_failure_reason(int err);

// Fills `out` from the kernel's random source (getrandom, never blocking once
// the system has booted): echo tokens, UDP payloads, DNS query ids.
void random_bytes(std::span<std::uint8_t> out);

}  // namespace lvsd::healthcheck
