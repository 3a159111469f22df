#include "daemon/proc_connector.hpp"

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace lvsd::daemon {

std::vector<std::uint8_t> proc_listen_message(bool listen, std::uint32_t port_id) {
  const std::uint32_t op = listen ? PROC_CN_MCAST_LISTEN : PROC_CN_MCAST_IGNORE;
  nlmsghdr nh{};
  nh.nlmsg_len = static_cast<std::uint32_t>(NLMSG_LENGTH(sizeof(cn_msg) + sizeof(op)));
  nh.nlmsg_type = NLMSG_DONE;
  nh.nlmsg_pid = port_id;
  cn_msg cn{};
  cn.id.idx = CN_IDX_PROC;
  cn.id.val = CN_VAL_PROC;
  cn.len = sizeof(op);
  std::vector<std::uint8_t> out(nh.nlmsg_len, 0);
  std::memcpy(out.data(), &nh, sizeof(nh));
  std::memcpy(out.data() + NLMSG_HDRLEN, &cn, sizeof(cn));
  std::memcpy(out.data() + NLMSG_HDRLEN + sizeof(cn), &op, sizeof(op));
  return out;
}

std::vector<ProcEvent> parse_proc_events(std::span<const std::uint8_t> datagram) {
  std::vector<ProcEvent> out;
  std::size_t offset = 0;
  while (offset + NLMSG_HDRLEN <= datagram.size()) {
    nlmsghdr nh{};
    std::memcpy(&nh, datagram.data() + offset, sizeof(nh));
    if (nh.nlmsg_len < NLMSG_HDRLEN || offset + nh.nlmsg_len > datagram.size()) break;
    const std::uint8_t* payload = datagram.data() + offset + NLMSG_HDRLEN;
    const std::size_t payload_len = nh.nlmsg_len - NLMSG_HDRLEN;
    offset += NLMSG_ALIGN(nh.nlmsg_len);
    if (nh.nlmsg_type == NLMSG_ERROR || nh.nlmsg_type == NLMSG_NOOP || payload_len < sizeof(cn_msg)) continue;
    cn_msg cn{};
    std::memcpy(&cn, payload, sizeof(cn));
    if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC || cn.ack != 0) continue;
    const std::size_t data_len = std::min<std::size_t>(cn.len, payload_len - sizeof(cn_msg));
    proc_event ev{};
    // The fixed part first: what, cpu, timestamp.
    if (data_len < offsetof(proc_event, event_data)) continue;
    std::memcpy(&ev, payload + sizeof(cn_msg), std::min(data_len, sizeof(ev)));
    switch (ev.what) {
      case proc_event::PROC_EVENT_FORK: {
        const auto& f = ev.event_data.fork;
        if (f.child_pid == f.child_tgid)
          out.push_back({.kind = ProcEvent::Kind::kFork, .pid = f.child_tgid, .parent = f.parent_tgid});
        break;
      }
      case proc_event::PROC_EVENT_EXEC: {
        const auto& e = ev.event_data.exec;
        if (e.process_pid == e.process_tgid) out.push_back({.kind = ProcEvent::Kind::kExec, .pid = e.process_tgid});
        break;
      }
      case proc_event::PROC_EVENT_COMM: {
        const auto& c = ev.event_data.comm;
        if (c.process_pid == c.process_tgid) {
          const char* name = c.comm;
          out.push_back({.kind = ProcEvent::Kind::kComm,
                         .pid = c.process_tgid,
                         .comm = std::string(name, ::strnlen(name, sizeof(c.comm)))});
        }
        break;
      }
      case proc_event::PROC_EVENT_EXIT: {
        const auto& e = ev.event_data.exit;
        if (e.process_pid == e.process_tgid) out.push_back({.kind = ProcEvent::Kind::kExit, .pid = e.process_tgid});
        break;
      }
      default: break;
    }
  }
  return out;
}

core::Result<ProcConnector> ProcConnector::open() {
  const int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
  if (fd < 0) return core::Error{std::string("socket(NETLINK_CONNECTOR): ") + std::strerror(errno)};
  core::UniqueFd owned(fd);
  // A host that starts many processes at once can overrun the default
  // buffer (lost events mean a rescan): 1 MiB holds some 10,000 events.
  const int size = 1 << 20;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups = CN_IDX_PROC;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0)
    return core::Error{std::string("bind(CN_IDX_PROC): ") + std::strerror(errno)};
  sockaddr_nl bound{};
  socklen_t len = sizeof(bound);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) != 0)
    return core::Error{std::string("getsockname: ") + std::strerror(errno)};
  const auto message = proc_listen_message(true, bound.nl_pid);
  if (::send(fd, message.data(), message.size(), 0) != static_cast<ssize_t>(message.size()))
    return core::Error{std::string("subscribing to process events: ") + std::strerror(errno)};
  return ProcConnector(std::move(owned));
}

std::vector<ProcEvent> ProcConnector::drain(bool& lost, int max_datagrams) {
  std::vector<ProcEvent> out;
  alignas(nlmsghdr) std::array<std::uint8_t, 8192> buffer{};
  for (int i = 0; i < max_datagrams; ++i) {
    sockaddr_nl from{};
    socklen_t from_len = sizeof(from);
    const ssize_t n = ::recvfrom(fd_.get(), buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        lost = true;
        continue;
      }
      break;  // EAGAIN: nothing more
    }
    if (from.nl_pid != 0) continue;  // only the kernel speaks here
    auto events = parse_proc_events(std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(n)));
    out.insert(out.end(), std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
  }
  return out;
}

}  // namespace lvsd::daemon
