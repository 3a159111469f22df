#pragma once
// The one generic-netlink conversation with kernel IPVS. Messages are built
// and parsed by ipvs_codec and carried by a NetlinkTransport; this class
// batches requests, matches replies to them by sequence number and replaces
// the socket after a failed receive. Every receive has a timeout, so a stuck
// kernel reply cannot stall the event loop for long.
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
#include "director/netlink_transport.hpp"
#include "director/operation.hpp"
#include "director/types.hpp"

namespace lvsd::director {

struct IpvsClientOptions {
  std::chrono::milliseconds receive_timeout{2000};
  // Requests per sendmsg() in apply(). Their ACKs must fit the receive buffer
  // (which GenlSocketTransport raises to 4 MiB when allowed), so batches stay
  // bounded.
  std::size_t max_batch_messages = 256;
};

struct OperationFailure {
  std::size_t index = 0;  // into ReconcilePlan::operations
  int error = 0;          // errno; ETIMEDOUT when no reply came, ENOTCONN when no new socket could be opened
  // "NEW_SERVICE TCP 10.0.0.1:80 (scheduler nosuch): No such file or directory"
  std::string message{};
};

struct ApplyReport {
  std::size_t applied = 0;  // operations the kernel acknowledged
  std::vector<OperationFailure> failures{};

  bool ok() const { return failures.empty(); }
  std::vector<std::size_t> failed_indices() const;
};

// Not thread-safe; one per event loop. After a receive timeout (or any
// receive error) a late reply may still be queued and the kernel may still be
// running a dump, which would make the next dump fail with EBUSY. So the
// client drops that socket: the next request first reconnects (a new socket,
// the family id resolved again, which also follows an ip_vs reload). Replies
// are matched by sequence number as well, so a stray one is skipped.
class IpvsClient {
 public:
  // Opens the socket and resolves the "IPVS" family id (fails when ip_vs is
  // not loaded).
  static core::Result<std::unique_ptr<IpvsClient>> open(const IpvsClientOptions& options = {});
  // The same over any transport (tests pass a scripted one).
  static core::Result<std::unique_ptr<IpvsClient>> open(std::unique_ptr<NetlinkTransport> transport,
                                                        const IpvsClientOptions& options = {});
  ~IpvsClient();
  IpvsClient(const IpvsClient&) = delete;
  IpvsClient& operator=(const IpvsClient&) = delete;

  // Sends the plan in batches (several requests per sendmsg, each with
  // NLM_F_ACK) and matches every ACK by sequence number. A failed operation
  // is reported and the others still run.
  ApplyReport apply(const ReconcilePlan& plan);

  // The whole table: every service and its destinations (kSkip: the
  // destinations' traffic counters stay zero).
  core::Result<IpvsTable> dump(ipvs_codec::TrafficStats stats = ipvs_codec::TrafficStats::kRead);
  // The same, handed over one service at a time (with its destinations and
  // their counters) instead of gathered: `visit` may keep or drop each. A
  // failed read stops the walk and is returned (services already visited
  // stay visited).
  core::Status for_each_service(const std::function<void(VirtualService)>& visit,
                                ipvs_codec::TrafficStats stats = ipvs_codec::TrafficStats::kRead);
  core::Result<std::vector<Service>> dump_services();
  // `service` with its destinations and their counters.
  core::Result<VirtualService> dump_destinations(Service service,
                                                 ipvs_codec::TrafficStats stats = ipvs_codec::TrafficStats::kRead);

  core::Status flush();
  core::Status zero(const std::optional<ServiceKey>& key = std::nullopt);
  core::Result<IpvsInfo> info();
  core::Result<Timeouts> timeouts();
  core::Status set_timeouts(const Timeouts& timeouts);

  // Connection-sync daemon.
  core::Status start_sync_daemon(const SyncDaemon& daemon);
  core::Status stop_sync_daemon(SyncDaemonRole role);
  core::Result<std::vector<SyncDaemon>> sync_daemons();

  // Bounds every later wait for a reply; the daemon keeps it below the
  // shortest VRRP advert interval.
  void set_receive_timeout(std::chrono::milliseconds timeout) { options_.receive_timeout = timeout; }
  std::chrono::milliseconds receive_timeout() const { return options_.receive_timeout; }

  std::uint16_t family_id() const { return family_id_; }
  // Counters since open(): requests that change the kernel (everything but
  // GET_* and dumps), all requests, and sendmsg() calls.
  std::uint64_t change_messages_sent() const { return change_messages_sent_; }
  std::uint64_t messages_sent() const { return messages_sent_; }
  std::uint64_t send_calls() const { return send_calls_; }
  std::uint64_t receive_calls() const { return receive_calls_; }  // receives that returned data
  std::uint64_t reconnects() const { return reconnects_; }  // sockets replaced after a failed receive

 private:
  IpvsClient(std::unique_ptr<NetlinkTransport> transport, std::uint16_t family_id, IpvsClientOptions options);

  ipvs_codec::Header next_header();
  // Reconnects when the last receive failed. Returns 0 or an errno.
  int ensure_connected();
  // Returns 0 or an errno.
  int send_bytes(const std::vector<std::uint8_t>& bytes, std::size_t messages, std::size_t changes);
  // Returns how many datagrams came, or -errno; a failure marks the socket
  // for replacement before the next request.
  long receive();
  // Sends one request (built for the current family id and the next
  // sequence number) and calls on_data for each data message of its reply,
  // until its ACK (or NLMSG_DONE for a dump).
  core::Status exchange(const std::function<ipvs_codec::Bytes(ipvs_codec::Header)>& build, bool is_change,
                        const std::function<core::Status(ipvs_codec::MessageView)>& on_data);
  core::Status change(const std::function<ipvs_codec::Bytes(ipvs_codec::Header)>& build, const std::string& what);

  std::unique_ptr<NetlinkTransport> transport_;
  std::uint16_t family_id_;
  IpvsClientOptions options_;
  std::uint32_t sequence_;
  bool needs_reconnect_ = false;
  std::string reconnect_error_{};  // why the last reconnect failed
  std::uint64_t change_messages_sent_ = 0;
  std::uint64_t messages_sent_ = 0;
  std::uint64_t send_calls_ = 0;
  std::uint64_t receive_calls_ = 0;
  std::uint64_t reconnects_ = 0;
};

}  // namespace lvsd::director
