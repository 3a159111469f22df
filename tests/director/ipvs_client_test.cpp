// Unit tier: IpvsClient over a scripted transport. Batching, reply matching,
// timeouts and the reconnect after a failed receive, without a kernel.
#include <gtest/gtest.h>
#include <linux/ip_vs.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "director/ipvs_client.hpp"
#include "tests/director/fake_netlink_transport.hpp"

namespace lvsd::director {
namespace {

using namespace std::chrono_literals;
using test::ack;
using test::ack_everything;
using test::Datagram;
using test::done;
using test::FakeNetlinkTransport;
using test::headers_of;
using test::join;

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

ServiceKey web(std::uint16_t port) { return ServiceKey::inet(Protocol::kTcp, ip("10.0.0.1"), port); }

// n NEW_SERVICE operations on ports 1000, 1001, ...
ReconcilePlan new_services(std::size_t n) {
  ReconcilePlan plan;
  for (std::size_t i = 0; i < n; ++i) {
    plan.operations.push_back(Operation{.kind = OperationKind::kNewService,
                                        .service = {.key = web(static_cast<std::uint16_t>(1000 + i)), .scheduler = "rr"},
                                        .destination = {}});
  }
  return plan;
}

// A service as one message of a dump reply (the codec's NEW_SERVICE carries
// the same attributes the kernel puts in a dump).
Datagram service_message(std::uint16_t family, std::uint32_t sequence, std::uint16_t port) {
  return ipvs_codec::new_service(ipvs_codec::Header{.family_id = family, .sequence = sequence},
                                 ServiceSettings{.key = web(port), .scheduler = "wlc"});
}

class IpvsClientTest : public ::testing::Test {
 protected:
  void open(IpvsClientOptions options = {.receive_timeout = 300ms, .max_batch_messages = 256}) {
    auto owned = std::make_unique<FakeNetlinkTransport>();
    fake_ = owned.get();
    fake_->families = families_;
    fake_->respond = ack_everything;
    auto opened = IpvsClient::open(std::move(owned), options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    client_ = std::move(*opened);
  }

  std::vector<std::uint16_t> families_ = {0x1a, 0x2b, 0x3c};
  FakeNetlinkTransport* fake_ = nullptr;
  std::unique_ptr<IpvsClient> client_;
};

TEST_F(IpvsClientTest, ApplySendsAtMostMaxBatchMessagesPerSend) {
  open({.receive_timeout = 300ms, .max_batch_messages = 4});
  ApplyReport report = client_->apply(new_services(10));
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.applied, 10u);
  ASSERT_EQ(fake_->sends.size(), 3u);
  std::vector<std::size_t> per_send;
  std::uint32_t expected_sequence = headers_of(fake_->sends[0].bytes).at(0).nlmsg_seq;
  for (const auto& send : fake_->sends) {
    per_send.push_back(send.messages);
    auto headers = headers_of(send.bytes);
    EXPECT_EQ(headers.size(), send.messages);  // the count matches what the bytes hold
    for (std::size_t i = 0; i < headers.size(); ++i) {
      const nlmsghdr& h = headers[i];
      EXPECT_EQ(h.nlmsg_seq, expected_sequence++);
      EXPECT_EQ(h.nlmsg_type, 0x1a);
      // Only the last message of a send asks for an ACK.
      EXPECT_EQ(h.nlmsg_flags, i + 1 == headers.size() ? NLM_F_REQUEST | NLM_F_ACK : NLM_F_REQUEST);
    }
  }
  EXPECT_EQ(per_send, (std::vector<std::size_t>{4, 4, 2}));
  EXPECT_EQ(client_->send_calls(), 3u);
  EXPECT_EQ(client_->messages_sent(), 10u);
  EXPECT_EQ(client_->change_messages_sent(), 10u);
}

// The kernel answers a message without NLM_F_ACK only when it fails, in the
// order of the datagram: failures of a batch come before its last message's
// ACK, which ends the batch.
TEST_F(IpvsClientTest, ApplyTakesFailuresThenTheLastAckAndSkipsStrayReplies) {
  open();
  fake_->respond = [](FakeNetlinkTransport& t, const FakeNetlinkTransport::Send& s) {
    auto headers = headers_of(s.bytes);
    ASSERT_EQ(headers.size(), 5u);
    // A stray failure for a sequence nobody waits for (a late reply to an
    // earlier request), the failures of the second and fourth, then the ACK
    // of the last, over two receives.
    t.deliver({ack(headers[0].nlmsg_seq - 1, EEXIST), join({ack(headers[1].nlmsg_seq, ENOENT), ack(9999, ENOENT)})});
    t.deliver({join({ack(headers[3].nlmsg_seq, EEXIST), ack(headers[4].nlmsg_seq)})});
  };
  ApplyReport report = client_->apply(new_services(5));
  EXPECT_EQ(report.applied, 3u);
  EXPECT_EQ(report.failed_indices(), (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(client_->receive_calls(), 2u);
  EXPECT_EQ(fake_->queued(), 0u);
}

// A batch whose last message fails is over too: the rest succeeded.
TEST_F(IpvsClientTest, ApplyFailedLastMessageEndsItsBatch) {
  open();
  fake_->respond = [](FakeNetlinkTransport& t, const FakeNetlinkTransport::Send& s) {
    auto headers = headers_of(s.bytes);
    t.deliver({ack(headers.back().nlmsg_seq, EEXIST)});
  };
  ApplyReport report = client_->apply(new_services(3));
  EXPECT_EQ(report.applied, 2u);
  EXPECT_EQ(report.failed_indices(), (std::vector<std::size_t>{2}));
  EXPECT_EQ(client_->receive_calls(), 1u);
}

TEST_F(IpvsClientTest, ErrorAckFailsOnlyItsOperation) {
  open({.receive_timeout = 300ms, .max_batch_messages = 2});
  fake_->respond = [](FakeNetlinkTransport& t, const FakeNetlinkTransport::Send& s) {
    std::vector<Datagram> acks;
    for (const nlmsghdr& h : headers_of(s.bytes)) {
      // The second operation of the plan (sequence 2 of a fresh client);
      // its failure comes first, before the ACK of the first operation.
      acks.insert(acks.begin(), ack(h.nlmsg_seq, h.nlmsg_seq == 2 ? EEXIST : 0));
    }
    t.deliver({join(acks)});
  };
  ApplyReport report = client_->apply(new_services(5));
  EXPECT_EQ(report.applied, 4u);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].index, 1u);
  EXPECT_EQ(report.failures[0].error, EEXIST);
  EXPECT_EQ(report.failures[0].message, "NEW_SERVICE TCP 10.0.0.1:1001 (scheduler rr): File exists");
  EXPECT_EQ(fake_->sends.size(), 3u);  // the batches after the failure still went out
}

TEST_F(IpvsClientTest, DumpReadsMultipartReplyUntilDone) {
  open();
  fake_->respond = [](FakeNetlinkTransport& t, const FakeNetlinkTransport::Send& s) {
    const nlmsghdr h = headers_of(s.bytes).at(0);
    EXPECT_EQ(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    const std::uint32_t seq = h.nlmsg_seq;
    t.deliver({join({service_message(0x1a, seq, 80), service_message(0x1a, seq, 81)}),
               join({service_message(0x1a, seq + 7, 99), ack(seq + 7)})});  // someone else's: skipped
    t.deliver({join({service_message(0x1a, seq, 82), done(seq)})});
  };
  auto services = client_->dump_services();
  ASSERT_TRUE(services.ok()) << services.error().message;
  ASSERT_EQ(services->size(), 3u);
  EXPECT_EQ((*services)[0].key, web(80));
  EXPECT_EQ((*services)[1].key, web(81));
  EXPECT_EQ((*services)[2].key, web(82));
  EXPECT_EQ(client_->receive_calls(), 2u);
  EXPECT_EQ(client_->change_messages_sent(), 0u);
}

TEST_F(IpvsClientTest, DumpReportsTheStatusInDone) {
  open();
  fake_->respond = [](FakeNetlinkTransport& t, const FakeNetlinkTransport::Send& s) {
    const std::uint32_t seq = headers_of(s.bytes).at(0).nlmsg_seq;
    t.deliver({join({service_message(0x1a, seq, 80), done(seq, EINTR)})});
  };
  auto services = client_->dump_services();
  ASSERT_FALSE(services.ok());
  EXPECT_NE(services.error().message.find("Interrupted system call"), std::string::npos) << services.error().message;
}

TEST_F(IpvsClientTest, ReceiveTimeoutFailsWhatIsStillPending) {
  open({.receive_timeout = 250ms, .max_batch_messages = 256});
  fake_->respond = [](FakeNetlinkTransport& t, const FakeNetlinkTransport::Send& s) {
    t.deliver({ack(headers_of(s.bytes).at(0).nlmsg_seq)});  // then nothing more
  };
  ApplyReport report = client_->apply(new_services(3));
  EXPECT_EQ(report.applied, 1u);
  EXPECT_EQ(report.failed_indices(), (std::vector<std::size_t>{1, 2}));
  for (const OperationFailure& f : report.failures) {
    EXPECT_EQ(f.error, ETIMEDOUT);
    EXPECT_NE(f.message.find("timed out"), std::string::npos) << f.message;
  }
  EXPECT_EQ(fake_->receive_timeouts, (std::vector<std::chrono::milliseconds>{250ms, 250ms}));

  fake_->respond = [](FakeNetlinkTransport&, const FakeNetlinkTransport::Send&) {};
  auto info = client_->info();
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("GET_INFO"), std::string::npos) << info.error().message;
  EXPECT_NE(info.error().message.find("timed out"), std::string::npos) << info.error().message;
}

// After a timeout the kernel may still be running the dump that timed out:
// a second dump on that socket would get EBUSY. The fake answers like that,
// so only a client that moved to a new socket gets its table.
TEST_F(IpvsClientTest, ReconnectsAfterTimeoutSoAStillRunningDumpCannotPoisonTheNext) {
  open();
  std::vector<int> dump_running(8, 0);
  fake_->respond = [&](FakeNetlinkTransport& t, const FakeNetlinkTransport::Send& s) {
    const std::uint32_t seq = headers_of(s.bytes).at(0).nlmsg_seq;
    if (dump_running[static_cast<std::size_t>(s.socket)] != 0) {
      t.deliver({ack(seq, EBUSY)});
    } else if (s.socket == 1) {
      dump_running[1] = 1;  // and the reply never comes
    } else {
      t.deliver({join({service_message(0x2b, seq, 80), done(seq)})});
    }
  };
  auto first = client_->dump_services();
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(fake_->connects, 1);  // the reconnect waits for the next request

  auto second = client_->dump_services();
  ASSERT_TRUE(second.ok()) << second.error().message;
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ(fake_->connects, 2);
  EXPECT_EQ(client_->reconnects(), 1u);
  // The family id was resolved again and the request carries the new one.
  EXPECT_EQ(client_->family_id(), 0x2b);
  ASSERT_EQ(fake_->sends.size(), 2u);
  EXPECT_EQ(fake_->sends[1].socket, 2);
  EXPECT_EQ(headers_of(fake_->sends[1].bytes).at(0).nlmsg_type, 0x2b);
  // Sequence numbers keep counting across sockets.
  EXPECT_GT(headers_of(fake_->sends[1].bytes).at(0).nlmsg_seq, headers_of(fake_->sends[0].bytes).at(0).nlmsg_seq);

  // No failure since: the socket stays.
  ASSERT_TRUE(client_->dump_services().ok());
  EXPECT_EQ(fake_->connects, 2);
}

TEST_F(IpvsClientTest, ApplyMovesToANewSocketAfterABatchTimedOut) {
  open({.receive_timeout = 300ms, .max_batch_messages = 2});
  fake_->respond = [](FakeNetlinkTransport& t, const FakeNetlinkTransport::Send& s) {
    if (s.socket > 1) ack_everything(t, s);  // the first socket never answers
  };
  ApplyReport report = client_->apply(new_services(4));
  EXPECT_EQ(report.failed_indices(), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(report.applied, 2u);
  ASSERT_EQ(fake_->sends.size(), 2u);
  EXPECT_EQ(fake_->sends[0].socket, 1);
  EXPECT_EQ(fake_->sends[1].socket, 2);
  EXPECT_EQ(headers_of(fake_->sends[1].bytes).at(0).nlmsg_type, 0x2b);
}

TEST_F(IpvsClientTest, FailedReconnectFailsRequestsWithTheReasonAndIsRetried) {
  families_ = {0x1a, 0, 0x3c};  // ip_vs unloaded for a moment
  open();
  fake_->respond = [](FakeNetlinkTransport&, const FakeNetlinkTransport::Send&) {};  // times out
  ASSERT_FALSE(client_->flush().ok());
  fake_->respond = ack_everything;

  ApplyReport report = client_->apply(new_services(3));
  EXPECT_EQ(report.failed_indices(), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(report.failures[0].error, ENOTCONN);
  EXPECT_NE(report.failures[0].message.find("resolving the IPVS generic netlink family"), std::string::npos)
      << report.failures[0].message;
  EXPECT_EQ(fake_->sends.size(), 1u);  // nothing sent without a socket

  core::Status flushed = client_->flush();
  ASSERT_TRUE(flushed.ok()) << flushed.error().message;
  EXPECT_EQ(client_->family_id(), 0x3c);
  EXPECT_EQ(client_->reconnects(), 1u);
}

TEST_F(IpvsClientTest, OpenFailsWhenTheFamilyCannotBeResolved) {
  auto owned = std::make_unique<FakeNetlinkTransport>();
  owned->families = {0};
  auto opened = IpvsClient::open(std::move(owned));
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("IPVS"), std::string::npos) << opened.error().message;
}

TEST_F(IpvsClientTest, SetReceiveTimeoutBoundsLaterReceivesAndReconnects) {
  open({.receive_timeout = 2000ms, .max_batch_messages = 256});
  EXPECT_EQ(fake_->connect_timeouts, (std::vector<std::chrono::milliseconds>{2000ms}));
  client_->set_receive_timeout(80ms);
  EXPECT_EQ(client_->receive_timeout(), 80ms);
  fake_->respond = [](FakeNetlinkTransport&, const FakeNetlinkTransport::Send&) {};
  ASSERT_FALSE(client_->flush().ok());
  fake_->respond = ack_everything;
  ASSERT_TRUE(client_->flush().ok());
  EXPECT_EQ(fake_->receive_timeouts, (std::vector<std::chrono::milliseconds>{80ms, 80ms}));
  EXPECT_EQ(fake_->connect_timeouts, (std::vector<std::chrono::milliseconds>{2000ms, 80ms}));
}

}  // namespace
}  // namespace lvsd::director
