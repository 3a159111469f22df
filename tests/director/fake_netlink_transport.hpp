#pragma once
// A scripted NetlinkTransport: records what IpvsClient sends and hands back
// the replies a test queued, one delivery (a group of datagrams) per
// receive(); with nothing queued, receive() times out. Each connect() is a
// new socket: replies queued for the old one are gone, as with a real close.
#include <linux/netlink.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "director/ipvs_codec.hpp"
#include "director/netlink_transport.hpp"

namespace lvsd::director::test {

using Datagram = std::vector<std::uint8_t>;

// The netlink header of each message in a sent datagram.
inline std::vector<nlmsghdr> headers_of(const Datagram& bytes) {
  std::vector<nlmsghdr> out;
  auto messages = ipvs_codec::split_messages(bytes);
  if (!messages) return out;
  for (ipvs_codec::MessageView m : *messages) {
    nlmsghdr h;
    std::memcpy(&h, m.data(), sizeof h);
    out.push_back(h);
  }
  return out;
}

// NLMSG_ERROR answering `sequence`: an ACK when err is 0, else a failure
// (the kernel puts -errno in nlmsgerr.error and, with NETLINK_CAP_ACK, only
// the request's header after it).
inline Datagram ack(std::uint32_t sequence, int err = 0) {
  nlmsgerr e{};
  e.error = -err;
  e.msg = nlmsghdr{.nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = 0, .nlmsg_flags = 0, .nlmsg_seq = sequence, .nlmsg_pid = 0};
  nlmsghdr h{.nlmsg_len = static_cast<std::uint32_t>(NLMSG_HDRLEN + sizeof e),
             .nlmsg_type = NLMSG_ERROR,
             .nlmsg_flags = NLM_F_CAPPED,
             .nlmsg_seq = sequence,
             .nlmsg_pid = 0};
  Datagram out(NLMSG_HDRLEN + sizeof e);
  std::memcpy(out.data(), &h, sizeof h);
  std::memcpy(out.data() + NLMSG_HDRLEN, &e, sizeof e);
  return out;
}

// NLMSG_DONE ending a dump; `err` is the dump's final status as an errno.
inline Datagram done(std::uint32_t sequence, int err = 0) {
  int status = -err;
  nlmsghdr h{.nlmsg_len = static_cast<std::uint32_t>(NLMSG_HDRLEN + sizeof status),
             .nlmsg_type = NLMSG_DONE,
             .nlmsg_flags = NLM_F_MULTI,
             .nlmsg_seq = sequence,
             .nlmsg_pid = 0};
  Datagram out(NLMSG_HDRLEN + sizeof status);
  std::memcpy(out.data(), &h, sizeof h);
  std::memcpy(out.data() + NLMSG_HDRLEN, &status, sizeof status);
  return out;
}

// Several messages in one datagram, as the kernel packs a batch's ACKs.
inline Datagram join(const std::vector<Datagram>& messages) {
  Datagram out;
  for (const Datagram& m : messages) out.insert(out.end(), m.begin(), m.end());
  return out;
}

class FakeNetlinkTransport final : public NetlinkTransport {
 public:
  struct Send {
    Datagram bytes;
    std::size_t messages = 0;
    int socket = 0;  // 1 for the first connect(), 2 after the first reconnect, ...
  };

  // Called after each send is recorded; typically queues the replies.
  std::function<void(FakeNetlinkTransport&, const Send&)> respond = [](FakeNetlinkTransport&, const Send&) {};
  // connect() results in turn: a family id, or 0 to fail; the last repeats.
  std::vector<std::uint16_t> families = {0x1a};
  std::size_t max_datagrams_per_receive = 16;

  std::vector<Send> sends{};
  std::vector<std::chrono::milliseconds> receive_timeouts{};
  std::vector<std::chrono::milliseconds> connect_timeouts{};
  int socket = 0;
  int connects = 0;

  void deliver(std::vector<Datagram> datagrams) { queue_.push_back(std::move(datagrams)); }
  std::size_t queued() const { return queue_.size(); }

  core::Result<std::uint16_t> connect(const char* /*family_name*/, std::chrono::milliseconds timeout) override {
    connect_timeouts.push_back(timeout);
    queue_.clear();  // the old socket's replies go with it
    std::uint16_t family = families[std::min<std::size_t>(static_cast<std::size_t>(connects), families.size() - 1)];
    ++connects;
    if (family == 0) {
      socket = 0;
      return core::Error{"resolving the IPVS generic netlink family: Object not found"};
    }
    ++socket;
    return family;
  }

  int send(std::span<const std::uint8_t> bytes, std::size_t messages) override {
    if (socket == 0) return ENOTCONN;
    sends.push_back(Send{.bytes = Datagram(bytes.begin(), bytes.end()), .messages = messages, .socket = socket});
    respond(*this, sends.back());
    return 0;
  }

  long receive(std::chrono::milliseconds timeout) override {
    receive_timeouts.push_back(timeout);
    if (queue_.empty()) return -ETIMEDOUT;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    if (current_.size() > max_datagrams_per_receive) {
      // What does not fit stays queued for the next receive.
      queue_.emplace_front(current_.begin() + static_cast<long>(max_datagrams_per_receive), current_.end());
      current_.resize(max_datagrams_per_receive);
    }
    return static_cast<long>(current_.size());
  }

  std::span<const std::uint8_t> datagram(std::size_t i) const override { return current_.at(i); }
  std::size_t max_datagrams() const override { return max_datagrams_per_receive; }

 private:
  std::deque<std::vector<Datagram>> queue_;
  std::vector<Datagram> current_;
};

// A responder that succeeds with every message of every send and, as the
// kernel does, ACKs those that ask for it (NLM_F_ACK) in one datagram. (A
// dump request asks for none and gets none: nothing here answers dumps.)
inline void ack_everything(FakeNetlinkTransport& t, const FakeNetlinkTransport::Send& s) {
  std::vector<Datagram> acks;
  for (const nlmsghdr& h : headers_of(s.bytes))
    if (h.nlmsg_flags & NLM_F_ACK) acks.push_back(ack(h.nlmsg_seq));
  if (!acks.empty()) t.deliver({join(acks)});
}

}  // namespace lvsd::director::test
