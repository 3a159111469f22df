#pragma once
// The one generic-netlink socket that talks to kernel IPVS. Messages are
// built and parsed by ipvs_codec; this class only sends, receives and
// matches replies to requests by sequence number. Every receive has a
// timeout, so a stuck kernel reply cannot stall the event loop for long.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "director/ipvs_codec.hpp"
#include "director/operation.hpp"
#include "director/types.hpp"

struct nl_sock;
struct iovec;
struct mmsghdr;

namespace lvsd::director {

struct IpvsClientOptions {
  std::chrono::milliseconds receive_timeout{2000};
  // Requests per sendmsg() in apply(). Their ACKs must fit the receive buffer
  // (which open() raises to 4 MiB when allowed), so batches stay bounded.
  std::size_t max_batch_messages = 256;
};

struct OperationFailure {
  std::size_t index = 0;  // into ReconcilePlan::operations
  int error = 0;          // errno; ETIMEDOUT when no reply came
  // "NEW_SERVICE TCP 10.0.0.1:80 (scheduler nosuch): No such file or directory"
  std::string message{};
};

struct ApplyReport {
  std::size_t applied = 0;  // operations the kernel acknowledged
  std::vector<OperationFailure> failures{};

  bool ok() const { return failures.empty(); }
  std::vector<std::size_t> failed_indices() const;
};

// Not thread-safe; one per event loop. After a receive timeout a late reply
// may still be queued: replies are matched by sequence number so stale ones
// are skipped, but a dump the kernel is still running makes the next dump
// fail with EBUSY; reopen the client after a timeout to be safe.
class IpvsClient {
 public:
  // Opens the socket and resolves the "IPVS" family id (fails when ip_vs is
  // not loaded).
  static core::Result<std::unique_ptr<IpvsClient>> open(const IpvsClientOptions& options = {});
  ~IpvsClient();
  IpvsClient(const IpvsClient&) = delete;
  IpvsClient& operator=(const IpvsClient&) = delete;

  // Sends the plan in batches (several requests per sendmsg, each with
  // NLM_F_ACK) and matches every ACK by sequence number. A failed operation
  // is reported and the others still run.
  ApplyReport apply(const ReconcilePlan& plan);

  // The whole table: every service and its destinations.
  core::Result<IpvsTable> dump();
  core::Result<std::vector<Service>> dump_services();
  core::Result<std::vector<Destination>> dump_destinations(const ServiceKey& key);

  core::Status flush();
  core::Status zero(const std::optional<ServiceKey>& key = std::nullopt);
  core::Result<IpvsInfo> info();
  core::Result<Timeouts> timeouts();
  core::Status set_timeouts(const Timeouts& timeouts);

  // Connection-sync daemon.
  core::Status start_sync_daemon(const SyncDaemon& daemon);
  core::Status stop_sync_daemon(SyncDaemonRole role);
  core::Result<std::vector<SyncDaemon>> sync_daemons();

  std::uint16_t family_id() const { return family_id_; }
  // Counters since open(): requests that change the kernel (everything but
  // GET_* and dumps), all requests, and sendmsg() calls.
  std::uint64_t change_messages_sent() const { return change_messages_sent_; }
  std::uint64_t messages_sent() const { return messages_sent_; }
  std::uint64_t send_calls() const { return send_calls_; }
  std::uint64_t receive_calls() const { return receive_calls_; }  // recvmmsg() calls that returned data

 private:
  IpvsClient(nl_sock* sock, std::uint16_t family_id, IpvsClientOptions options);

  ipvs_codec::Header next_header();
  // Returns 0 or an errno.
  int send_bytes(const std::vector<std::uint8_t>& bytes, std::size_t messages, std::size_t changes);
  // Receives up to kReceiveSlots datagrams with one recvmmsg(), waiting
  // (up to the receive timeout) for the first only. Returns how many, or
  // -errno (-ETIMEDOUT when the timeout passed). Read them with datagram(i).
  long receive();
  std::span<const std::uint8_t> datagram(long i) const;
  // Sends one request and calls on_data for each data message of its reply,
  // until its ACK (or NLMSG_DONE for a dump).
  core::Status exchange(const ipvs_codec::Bytes& request, std::uint32_t sequence, bool is_change,
                        const std::function<core::Status(ipvs_codec::MessageView)>& on_data);
  core::Status change(const ipvs_codec::Bytes& request, std::uint32_t sequence, const std::string& what);

  nl_sock* sock_;
  int fd_;
  std::uint16_t family_id_;
  IpvsClientOptions options_;
  std::uint32_t sequence_;
  // kReceiveSlots slots of kReceiveSlotBytes, left uninitialised: a page is
  // only made resident when the kernel first writes a reply into it (a
  // zero-filled vector would hold the whole 1 MiB resident from the start).
  std::unique_ptr<std::uint8_t[]> buffer_;
  std::vector<struct iovec> slots_;
  std::vector<struct mmsghdr> headers_;
  std::uint64_t change_messages_sent_ = 0;
  std::uint64_t messages_sent_ = 0;
  std::uint64_t send_calls_ = 0;
  std::uint64_t receive_calls_ = 0;
};

}  // namespace lvsd::director
