#include "director/ipvs_client.hpp"

#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

namespace lvsd::director {
namespace {

using core::Error;
using core::Result;
using core::Status;
using ipvs_codec::Bytes;
using ipvs_codec::MessageView;

// Each slot holds any netlink datagram the kernel sends (dump skbs are capped
// at 32 KiB). Several slots let one recvmmsg() take a batch's ACKs, or a
// dump's data and its NLMSG_DONE, in one system call.
constexpr std::size_t kReceiveSlotBytes = 64 * 1024;
constexpr std::size_t kReceiveSlots = 16;
constexpr std::size_t kMaxBatchBytes = 64 * 1024;
constexpr int kSocketReceiveBuffer = 4 * 1024 * 1024;
constexpr int kSocketSendBuffer = 1024 * 1024;

void raise_buffer(int fd, int force_option, int option, int bytes) {
  // The *FORCE variants need CAP_NET_ADMIN; without it the plain option is
  // capped by net.core.{r,w}mem_max, which is still fine with small batches.
  if (setsockopt(fd, SOL_SOCKET, force_option, &bytes, sizeof bytes) != 0) {
    setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes);
  }
}

std::string errno_text(int err) { return std::strerror(err); }

// NLMSG_DONE carries the dump's final status as an int.
int done_error(MessageView m) {
  if (m.size() < NLMSG_HDRLEN + sizeof(int)) return 0;
  int status = 0;
  std::memcpy(&status, m.data() + NLMSG_HDRLEN, sizeof status);
  return status < 0 ? -status : 0;
}

}  // namespace

std::vector<std::size_t> ApplyReport::failed_indices() const {
  std::vector<std::size_t> out;
  out.reserve(failures.size());
  for (const OperationFailure& f : failures) out.push_back(f.index);
  return out;
}

Result<std::unique_ptr<IpvsClient>> IpvsClient::open(const IpvsClientOptions& options) {
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr) return Error{"allocating a netlink socket: out of memory"};
  if (int rc = genl_connect(sock); rc < 0) {
    nl_socket_free(sock);
    return Error{std::string("opening a generic netlink socket: ") + nl_geterror(rc)};
  }
  int fd = nl_socket_get_fd(sock);
  auto usec = std::chrono::duration_cast<std::chrono::microseconds>(options.receive_timeout).count();
  timeval tv{.tv_sec = static_cast<time_t>(usec / 1'000'000), .tv_usec = static_cast<suseconds_t>(usec % 1'000'000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int one = 1;
  // Errors then echo only the request header, not the whole request.
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  raise_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, kSocketReceiveBuffer);
  raise_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, kSocketSendBuffer);

  int family = genl_ctrl_resolve(sock, IPVS_GENL_NAME);
  if (family < 0) {
    nl_socket_free(sock);
    return Error{std::string("resolving the IPVS generic netlink family (is the ip_vs module loaded?): ") +
                 nl_geterror(family)};
  }
  return std::unique_ptr<IpvsClient>(new IpvsClient(sock, static_cast<std::uint16_t>(family), options));
}

IpvsClient::IpvsClient(nl_sock* sock, std::uint16_t family_id, IpvsClientOptions options)
    : sock_(sock),
      fd_(nl_socket_get_fd(sock)),
      family_id_(family_id),
      options_(options),
      sequence_(1),
      buffer_(new std::uint8_t[kReceiveSlots * kReceiveSlotBytes]),
      slots_(kReceiveSlots),
      headers_(kReceiveSlots) {
  if (options_.max_batch_messages == 0) options_.max_batch_messages = 1;
  for (std::size_t i = 0; i < kReceiveSlots; ++i) {
    slots_[i] = iovec{.iov_base = buffer_.get() + i * kReceiveSlotBytes, .iov_len = kReceiveSlotBytes};
  }
}

IpvsClient::~IpvsClient() { nl_socket_free(sock_); }

ipvs_codec::Header IpvsClient::next_header() {
  if (sequence_ == 0) sequence_ = 1;  // 0 is what unsolicited messages carry
  return ipvs_codec::Header{.family_id = family_id_, .sequence = sequence_++};
}

int IpvsClient::send_bytes(const std::vector<std::uint8_t>& bytes, std::size_t messages, std::size_t changes) {
  for (;;) {
    // The socket's peer is the kernel (port 0), so no address is needed.
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), 0);
    if (n >= 0) break;
    if (errno != EINTR) return errno;
  }
  ++send_calls_;
  messages_sent_ += messages;
  change_messages_sent_ += changes;
  return 0;
}

long IpvsClient::receive() {
  for (;;) {
    for (std::size_t i = 0; i < kReceiveSlots; ++i) {
      headers_[i] = mmsghdr{};
      headers_[i].msg_hdr.msg_iov = &slots_[i];
      headers_[i].msg_hdr.msg_iovlen = 1;
    }
    int n = ::recvmmsg(fd_, headers_.data(), kReceiveSlots, MSG_WAITFORONE, nullptr);
    if (n >= 0) {
      for (int i = 0; i < n; ++i) {
        if ((headers_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) return -EMSGSIZE;
      }
      ++receive_calls_;
      return n;
    }
    if (errno == EINTR) continue;
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? -ETIMEDOUT : -errno;
  }
}

std::span<const std::uint8_t> IpvsClient::datagram(long i) const {
  auto slot = static_cast<std::size_t>(i);
  return {buffer_.get() + slot * kReceiveSlotBytes, headers_[slot].msg_len};
}

ApplyReport IpvsClient::apply(const ReconcilePlan& plan) {
  ApplyReport report;
  const auto& ops = plan.operations;
  auto fail = [&](std::size_t index, int err) {
    report.failures.push_back(
        OperationFailure{.index = index, .error = err, .message = describe(ops[index]) + ": " + errno_text(err)});
  };

  std::size_t next = 0;
  while (next < ops.size()) {
    Bytes batch;
    std::map<std::uint32_t, std::size_t> pending;  // sequence -> operation index
    while (next < ops.size() && pending.size() < options_.max_batch_messages && batch.size() < kMaxBatchBytes) {
      ipvs_codec::Header header = next_header();
      Bytes message = ipvs_codec::encode(header, ops[next]);
      batch.insert(batch.end(), message.begin(), message.end());
      pending.emplace(header.sequence, next);
      ++next;
    }
    if (int err = send_bytes(batch, pending.size(), pending.size()); err != 0) {
      for (const auto& [seq, index] : pending) fail(index, err);
      continue;
    }
    while (!pending.empty()) {
      long n = receive();
      if (n < 0) {
        for (const auto& [seq, index] : pending) fail(index, static_cast<int>(-n));
        break;
      }
      for (long d = 0; d < n; ++d) {
        auto messages = ipvs_codec::split_messages(datagram(d));
        if (!messages) continue;  // a malformed datagram carries no ACK we can match
        for (MessageView m : *messages) {
          auto info = ipvs_codec::reply_info(m);
          if (!info || info->type != NLMSG_ERROR) continue;
          auto found = pending.find(info->sequence);
          if (found == pending.end()) continue;  // a late reply to an earlier, timed-out request
          if (info->error != 0) {
            fail(found->second, info->error);
          } else {
            ++report.applied;
          }
          pending.erase(found);
        }
      }
    }
  }
  std::sort(report.failures.begin(), report.failures.end(),
            [](const OperationFailure& a, const OperationFailure& b) { return a.index < b.index; });
  return report;
}

Status IpvsClient::exchange(const Bytes& request, std::uint32_t sequence, bool is_change,
                            const std::function<Status(MessageView)>& on_data) {
  if (int err = send_bytes(request, 1, is_change ? 1 : 0); err != 0) return core::errno_error("sending", err);
  Status first_error;
  for (;;) {
    long n = receive();
    if (n < 0) return core::errno_error("receiving", static_cast<int>(-n));
    for (long d = 0; d < n; ++d) {
      auto messages = ipvs_codec::split_messages(datagram(d));
      if (!messages) return messages.error();
      for (MessageView m : *messages) {
        auto info = ipvs_codec::reply_info(m);
        if (!info) return info.error();
        if (info->sequence != sequence) continue;
        if (info->type == NLMSG_ERROR) {
          if (info->error != 0) return Error{errno_text(info->error)};
          return first_error;
        }
        if (info->type == NLMSG_DONE) {
          if (int err = done_error(m); err != 0) return Error{errno_text(err)};
          return first_error;
        }
        if (first_error.ok()) {
          // Keep reading to the end of the reply, so none of it is left queued.
          if (Status s = on_data(m); !s.ok()) first_error = s;
        }
      }
    }
  }
}

Status IpvsClient::change(const Bytes& request, std::uint32_t sequence, const std::string& what) {
  Status s = exchange(request, sequence, true, [](MessageView) { return Status{}; });
  if (!s.ok()) return s.error().context(what);
  return s;
}

Result<std::vector<Service>> IpvsClient::dump_services() {
  ipvs_codec::Header header = next_header();
  std::vector<Service> services;
  Status s = exchange(ipvs_codec::dump_services(header), header.sequence, false, [&](MessageView m) -> Status {
    auto service = ipvs_codec::parse_service(m);
    if (!service) return service.error();
    services.push_back(std::move(*service));
    return {};
  });
  if (!s.ok()) return s.error().context("dumping IPVS services");
  return services;
}

Result<std::vector<Destination>> IpvsClient::dump_destinations(const ServiceKey& key) {
  ipvs_codec::Header header = next_header();
  std::vector<Destination> destinations;
  Status s = exchange(ipvs_codec::dump_destinations(header, key), header.sequence, false, [&](MessageView m) -> Status {
    auto destination = ipvs_codec::parse_destination(m, key.family);
    if (!destination) return destination.error();
    destinations.push_back(std::move(*destination));
    return {};
  });
  if (!s.ok()) return s.error().context("dumping destinations of " + describe(key));
  return destinations;
}

Result<IpvsTable> IpvsClient::dump() {
  auto services = dump_services();
  if (!services) return services.error();
  IpvsTable table;
  table.services.reserve(services->size());
  for (Service& service : *services) {
    auto destinations = dump_destinations(service.key);
    if (!destinations) return destinations.error();
    table.services.push_back(VirtualService{.service = std::move(service), .destinations = std::move(*destinations)});
  }
  return table;
}

Status IpvsClient::flush() {
  ipvs_codec::Header header = next_header();
  return change(ipvs_codec::flush(header), header.sequence, "FLUSH");
}

Status IpvsClient::zero(const std::optional<ServiceKey>& key) {
  ipvs_codec::Header header = next_header();
  return change(ipvs_codec::zero(header, key), header.sequence, key ? "ZERO " + describe(*key) : "ZERO");
}

Result<IpvsInfo> IpvsClient::info() {
  ipvs_codec::Header header = next_header();
  std::optional<IpvsInfo> info;
  Status s = exchange(ipvs_codec::get_info(header), header.sequence, false, [&](MessageView m) -> Status {
    auto parsed = ipvs_codec::parse_info(m);
    if (!parsed) return parsed.error();
    info = *parsed;
    return {};
  });
  if (!s.ok()) return s.error().context("GET_INFO");
  if (!info) return Error{"GET_INFO: the kernel sent no info"};
  return *info;
}

Result<Timeouts> IpvsClient::timeouts() {
  ipvs_codec::Header header = next_header();
  std::optional<Timeouts> timeouts;
  Status s = exchange(ipvs_codec::get_config(header), header.sequence, false, [&](MessageView m) -> Status {
    auto parsed = ipvs_codec::parse_config(m);
    if (!parsed) return parsed.error();
    timeouts = *parsed;
    return {};
  });
  if (!s.ok()) return s.error().context("GET_CONFIG");
  if (!timeouts) return Error{"GET_CONFIG: the kernel sent no timeouts"};
  return *timeouts;
}

Status IpvsClient::set_timeouts(const Timeouts& t) {
  ipvs_codec::Header header = next_header();
  return change(ipvs_codec::set_config(header, t), header.sequence,
                "SET_CONFIG tcp " + std::to_string(t.tcp_s) + " tcpfin " + std::to_string(t.tcp_fin_s) + " udp " +
                    std::to_string(t.udp_s));
}

Status IpvsClient::start_sync_daemon(const SyncDaemon& d) {
  ipvs_codec::Header header = next_header();
  std::string role = d.role == SyncDaemonRole::kMaster ? "master" : "backup";
  return change(ipvs_codec::new_daemon(header, d), header.sequence,
                "NEW_DAEMON " + role + " on " + d.interface + " syncid " + std::to_string(d.sync_id));
}

Status IpvsClient::stop_sync_daemon(SyncDaemonRole role) {
  ipvs_codec::Header header = next_header();
  return change(ipvs_codec::del_daemon(header, role), header.sequence,
                std::string("DEL_DAEMON ") + (role == SyncDaemonRole::kMaster ? "master" : "backup"));
}

Result<std::vector<SyncDaemon>> IpvsClient::sync_daemons() {
  ipvs_codec::Header header = next_header();
  std::vector<SyncDaemon> daemons;
  Status s = exchange(ipvs_codec::dump_daemons(header), header.sequence, false, [&](MessageView m) -> Status {
    auto parsed = ipvs_codec::parse_daemon(m);
    if (!parsed) return parsed.error();
    daemons.push_back(std::move(*parsed));
    return {};
  });
  if (!s.ok()) return s.error().context("GET_DAEMON");
  return daemons;
}

}  // namespace lvsd::director
