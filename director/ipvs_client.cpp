#include "director/ipvs_client.hpp"

#include <linux/ip_vs.h>
#include <linux/netlink.h>

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
using ipvs_codec::Header;
using ipvs_codec::MessageView;

// A batch's requests travel in one datagram; the kernel's netlink receive
// path handles datagrams of this size without trouble.
constexpr std::size_t kMaxBatchBytes = 64 * 1024;

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
  return open(std::make_unique<GenlSocketTransport>(), options);
}

Result<std::unique_ptr<IpvsClient>> IpvsClient::open(std::unique_ptr<NetlinkTransport> transport,
                                                     const IpvsClientOptions& options) {
  auto family = transport->connect(IPVS_GENL_NAME, options.receive_timeout);
  if (!family) return family.error();
  return std::unique_ptr<IpvsClient>(new IpvsClient(std::move(transport), *family, options));
}

IpvsClient::IpvsClient(std::unique_ptr<NetlinkTransport> transport, std::uint16_t family_id,
                       IpvsClientOptions options)
    : transport_(std::move(transport)), family_id_(family_id), options_(options), sequence_(1) {
  if (options_.max_batch_messages == 0) options_.max_batch_messages = 1;
}

IpvsClient::~IpvsClient() = default;

ipvs_codec::Header IpvsClient::next_header() {
  if (sequence_ == 0) sequence_ = 1;  // 0 is what unsolicited messages carry
  return ipvs_codec::Header{.family_id = family_id_, .sequence = sequence_++};
}

int IpvsClient::ensure_connected() {
  if (!needs_reconnect_) return 0;
  auto family = transport_->connect(IPVS_GENL_NAME, options_.receive_timeout);
  if (!family) {
    reconnect_error_ = family.error().message;
    return ENOTCONN;
  }
  // Sequence numbers keep counting: nothing of the old socket can match.
  family_id_ = *family;
  needs_reconnect_ = false;
  reconnect_error_.clear();
  ++reconnects_;
  return 0;
}

int IpvsClient::send_bytes(const std::vector<std::uint8_t>& bytes, std::size_t messages, std::size_t changes) {
  if (int err = transport_->send(bytes, messages); err != 0) return err;
  ++send_calls_;
  messages_sent_ += messages;
  change_messages_sent_ += changes;
  return 0;
}

long IpvsClient::receive() {
  long n = transport_->receive(options_.receive_timeout);
  if (n < 0) {
    needs_reconnect_ = true;
    return n;
  }
  ++receive_calls_;
  return n;
}

ApplyReport IpvsClient::apply(const ReconcilePlan& plan) {
  ApplyReport report;
  const auto& ops = plan.operations;
  auto fail = [&](std::size_t index, int err) {
    std::string why = errno_text(err);
    if (err == ENOTCONN && !reconnect_error_.empty()) why += " (" + reconnect_error_ + ")";
    report.failures.push_back(OperationFailure{.index = index, .error = err, .message = describe(ops[index]) + ": " + why});
  };

  std::size_t next = 0;
  while (next < ops.size()) {
    if (int err = ensure_connected(); err != 0) {
      for (; next < ops.size(); ++next) fail(next, err);
      break;
    }
    Bytes batch;
    std::map<std::uint32_t, std::size_t> pending;  // sequence -> operation index
    // Only the batch's last message asks for an ACK: the kernel handles a
    // datagram's messages in order and answers each one that fails (ACK or
    // not), so the last one's reply means every earlier one without a reply
    // succeeded. 11,000 operations were 11,000 ACKs for the kernel to build
    // and 690 recvmmsg() calls to read them.
    std::size_t last_offset = 0;
    std::uint32_t last_sequence = 0;
    while (next < ops.size() && pending.size() < options_.max_batch_messages && batch.size() < kMaxBatchBytes) {
      ipvs_codec::Header header = next_header();
      Bytes message = ipvs_codec::encode(header, ops[next]);
      if (!pending.empty()) ipvs_codec::clear_ack(std::span(batch).subspan(last_offset));
      last_offset = batch.size();
      last_sequence = header.sequence;
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
        auto messages = ipvs_codec::split_messages(transport_->datagram(static_cast<std::size_t>(d)));
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
          if (info->sequence == last_sequence) {
            // The batch is done: what has had no reply has succeeded.
            report.applied += pending.size();
            pending.clear();
          }
        }
      }
    }
  }
  std::sort(report.failures.begin(), report.failures.end(),
            [](const OperationFailure& a, const OperationFailure& b) { return a.index < b.index; });
  return report;
}

Status IpvsClient::exchange(const std::function<Bytes(Header)>& build, bool is_change,
                            const std::function<Status(MessageView)>& on_data) {
  // Before the header is built: a new socket may come with a new family id.
  if (ensure_connected() != 0) return Error{"reconnecting: " + reconnect_error_};
  const Header header = next_header();
  const std::uint32_t sequence = header.sequence;
  if (int err = send_bytes(build(header), 1, is_change ? 1 : 0); err != 0) return core::errno_error("sending", err);
  Status first_error;
  for (;;) {
    long n = receive();
    if (n < 0) return core::errno_error("receiving", static_cast<int>(-n));
    for (long d = 0; d < n; ++d) {
      auto messages = ipvs_codec::split_messages(transport_->datagram(static_cast<std::size_t>(d)));
      if (!messages) {
        needs_reconnect_ = true;  // the rest of the reply may still be queued
        return messages.error();
      }
      for (MessageView m : *messages) {
        auto info = ipvs_codec::reply_info(m);
        if (!info) {
          needs_reconnect_ = true;
          return info.error();
        }
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

Status IpvsClient::change(const std::function<Bytes(Header)>& build, const std::string& what) {
  Status s = exchange(build, true, [](MessageView) { return Status{}; });
  if (!s.ok()) return s.error().context(what);
  return s;
}

Result<std::vector<Service>> IpvsClient::dump_services() {
  std::vector<Service> services;
  Status s = exchange([&](Header header) { return ipvs_codec::dump_services(header); }, false, [&](MessageView m) -> Status {
    auto service = ipvs_codec::parse_service(m);
    if (!service) return service.error();
    services.push_back(std::move(*service));
    return {};
  });
  if (!s.ok()) return s.error().context("dumping IPVS services");
  return services;
}

Result<VirtualService> IpvsClient::dump_destinations(Service service, ipvs_codec::TrafficStats stats) {
  VirtualService out{.service = std::move(service)};
  const ServiceKey& key = out.service.key;
  Status s = exchange([&](Header header) { return ipvs_codec::dump_destinations(header, key); }, false, [&](MessageView m) -> Status {
    auto destination = ipvs_codec::parse_destination(m, key.family(), stats);
    if (!destination) return destination.error();
    out.destinations.push_back(destination->destination);
    out.counters.push_back(destination->counters);
    return {};
  });
  if (!s.ok()) return s.error().context("dumping destinations of " + describe(key));
  return out;
}

Status IpvsClient::for_each_service(const std::function<void(VirtualService)>& visit, ipvs_codec::TrafficStats stats) {
  // One dump at a time per socket: the service list first, then each
  // service's destinations.
  auto services = dump_services();
  if (!services) return services.error();
  for (Service& service : *services) {
    auto with_destinations = dump_destinations(std::move(service), stats);
    if (!with_destinations) return with_destinations.error();
    visit(std::move(*with_destinations));
  }
  return {};
}

Result<IpvsTable> IpvsClient::dump(ipvs_codec::TrafficStats stats) {
  IpvsTable table;
  Status s = for_each_service([&](VirtualService vs) { table.services.push_back(std::move(vs)); }, stats);
  if (!s.ok()) return s.error();
  return table;
}

Status IpvsClient::flush() {
  return change([&](Header header) { return ipvs_codec::flush(header); }, "FLUSH");
}

Status IpvsClient::zero(const std::optional<ServiceKey>& key) {
  return change([&](Header header) { return ipvs_codec::zero(header, key); }, key ? "ZERO " + describe(*key) : "ZERO");
}

Result<IpvsInfo> IpvsClient::info() {
  std::optional<IpvsInfo> info;
  Status s = exchange([&](Header header) { return ipvs_codec::get_info(header); }, false, [&](MessageView m) -> Status {
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
  std::optional<Timeouts> timeouts;
  Status s = exchange([&](Header header) { return ipvs_codec::get_config(header); }, false, [&](MessageView m) -> Status {
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
  return change([&](Header header) { return ipvs_codec::set_config(header, t); },
                "SET_CONFIG tcp " + std::to_string(t.tcp_s) + " tcpfin " + std::to_string(t.tcp_fin_s) + " udp " +
                    std::to_string(t.udp_s));
}

Status IpvsClient::start_sync_daemon(const SyncDaemon& d) {
  std::string role = d.role == SyncDaemonRole::kMaster ? "master" : "backup";
  return change([&](Header header) { return ipvs_codec::new_daemon(header, d); },
                "NEW_DAEMON " + role + " on " + d.interface + " syncid " + std::to_string(d.sync_id));
}

Status IpvsClient::stop_sync_daemon(SyncDaemonRole role) {
  return change([&](Header header) { return ipvs_codec::del_daemon(header, role); },
                std::string("DEL_DAEMON ") + (role == SyncDaemonRole::kMaster ? "master" : "backup"));
}

Result<std::vector<SyncDaemon>> IpvsClient::sync_daemons() {
  std::vector<SyncDaemon> daemons;
  Status s = exchange([&](Header header) { return ipvs_codec::dump_daemons(header); }, false, [&](MessageView m) -> Status {
    auto parsed = ipvs_codec::parse_daemon(m);
    if (!parsed) return parsed.error();
    daemons.push_back(std::move(*parsed));
    return {};
  });
  if (!s.ok()) return s.error().context("GET_DAEMON");
  return daemons;
}

}  // namespace lvsd::director
