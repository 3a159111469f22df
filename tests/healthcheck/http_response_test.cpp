#include "healthcheck/http_response.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lvsd::healthcheck {
namespace {

using State = HttpResponseParser::State;

const std::string kLengthResponse =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 12\r\n"
    "\r\n"
    "hello world\n";

const std::string kChunkedResponse =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "5\r\nhello\r\n"
    "1;ext=1\r\n \r\n"
    "6\r\nworld\n\r\n"
    "0\r\n"
    "X-Trailer: yes\r\n"
    "\r\n";

const std::string kCloseDelimitedResponse =
    "HTTP/1.0 200 OK\r\n"
    "Server: x\r\n"
    "\r\n"
    "until the end";

TEST(HttpResponseParser, ParsesContentLengthResponseInOneFeed) {
  HttpResponseParser p;
  EXPECT_EQ(p.feed(kLengthResponse), State::kComplete);
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(p.http_minor_version(), 1);
  EXPECT_EQ(p.reason_phrase(), "OK");
  EXPECT_EQ(p.body(), "hello world\n");
  ASSERT_NE(p.header("content-type"), nullptr);
  EXPECT_EQ(*p.header("CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(p.header("X-Missing"), nullptr);
  EXPECT_EQ(p.headers().size(), 2u);
}

TEST(HttpResponseParser, DecodesChunkedBodyAndDropsTrailers) {
  HttpResponseParser p;
  EXPECT_EQ(p.feed(kChunkedResponse), State::kComplete);
  EXPECT_EQ(p.status(), 503);
  EXPECT_EQ(p.reason_phrase(), "Service Unavailable");
  EXPECT_EQ(p.body(), "hello world\n");
  EXPECT_EQ(p.header("X-Trailer"), nullptr);
}

TEST(HttpResponseParser, CloseDelimitedBodyCompletesOnFinish) {
  HttpResponseParser p;
  EXPECT_EQ(p.feed(kCloseDelimitedResponse), State::kNeedMore);
  EXPECT_EQ(p.finish(), State::kComplete);
  EXPECT_EQ(p.http_minor_version(), 0);
  EXPECT_EQ(p.body(), "until the end");
}

// Splits each response into two feeds at every possible offset, and also
// feeds it one byte at a time: the result never depends on how reads split.
void expect_same_at_every_split(const std::string& response, bool needs_finish) {
  HttpResponseParser whole;
  whole.feed(response);
  if (needs_finish) whole.finish();
  ASSERT_EQ(whole.state(), State::kComplete) << whole.error();
  for (std::size_t cut = 0; cut <= response.size(); ++cut) {
    HttpResponseParser p;
    State first = p.feed(std::string_view(response).substr(0, cut));
    if (cut < response.size()) {
      EXPECT_EQ(first, State::kNeedMore) << "cut at " << cut;
    }
    p.feed(std::string_view(response).substr(cut));
    if (needs_finish) p.finish();
    ASSERT_EQ(p.state(), State::kComplete) << "cut at " << cut << ": " << p.error();
    EXPECT_EQ(p.status(), whole.status()) << "cut at " << cut;
    EXPECT_EQ(p.body(), whole.body()) << "cut at " << cut;
    EXPECT_EQ(p.headers(), whole.headers()) << "cut at " << cut;
  }
  HttpResponseParser bytewise;
  for (char c : response) bytewise.feed(std::string_view(&c, 1));
  if (needs_finish) bytewise.finish();
  ASSERT_EQ(bytewise.state(), State::kComplete) << bytewise.error();
  EXPECT_EQ(bytewise.body(), whole.body());
}

TEST(HttpResponseParser, SplitAtEveryOffsetContentLength) { expect_same_at_every_split(kLengthResponse, false); }
TEST(HttpResponseParser, SplitAtEveryOffsetChunked) { expect_same_at_every_split(kChunkedResponse, false); }
TEST(HttpResponseParser, SplitAtEveryOffsetCloseDelimited) {
  expect_same_at_every_split(kCloseDelimitedResponse, true);
}

TEST(HttpResponseParser, BodyCutShortByCloseIsAnError) {
  for (std::size_t cut = 0; cut < kLengthResponse.size(); ++cut) {
    HttpResponseParser p;
    p.feed(std::string_view(kLengthResponse).substr(0, cut));
    EXPECT_EQ(p.finish(), State::kError) << "cut at " << cut;
    EXPECT_FALSE(p.error().empty());
  }
  HttpResponseParser p;
  p.feed(kLengthResponse.substr(0, kLengthResponse.size() - 2));
  p.finish();
  EXPECT_EQ(p.error(), "connection closed after 10 of 12 body bytes");
}

TEST(HttpResponseParser, ChunkedBodyCutShortIsAnErrorAtEveryOffset) {
  for (std::size_t cut = 0; cut < kChunkedResponse.size(); ++cut) {
    HttpResponseParser p;
    p.feed(std::string_view(kChunkedResponse).substr(0, cut));
    EXPECT_EQ(p.finish(), State::kError) << "cut at " << cut;
  }
}

TEST(HttpResponseParser, CloseBeforeAnyByteSaysSo) {
  HttpResponseParser p;
  EXPECT_EQ(p.finish(), State::kError);
  EXPECT_EQ(p.error(), "connection closed before any response");
}

TEST(HttpResponseParser, OversizeHeaderIsAnErrorEvenWithoutLineEnd) {
  HttpResponseParser p(HttpResponseLimits{.max_header_bytes = 64, .max_body_bytes = 1024});
  std::string head = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(100, 'a');
  EXPECT_EQ(p.feed(head), State::kError);
  EXPECT_EQ(p.error(), "response header larger than 64 bytes");
}

TEST(HttpResponseParser, OversizeHeaderAcrossManyLinesIsAnError) {
  HttpResponseParser p(HttpResponseLimits{.max_header_bytes = 64, .max_body_bytes = 1024});
  std::string head = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 10; ++i) head += "X-" + std::to_string(i) + ": v\r\n";
  head += "\r\n";
  EXPECT_EQ(p.feed(head), State::kError);
}

TEST(HttpResponseParser, HeaderExactlyAtTheLimitIsAccepted) {
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  HttpResponseParser p(HttpResponseLimits{.max_header_bytes = head.size(), .max_body_bytes = 0});
  EXPECT_EQ(p.feed(head), State::kComplete) << p.error();
  HttpResponseParser q(HttpResponseLimits{.max_header_bytes = head.size() - 1, .max_body_bytes = 0});
  EXPECT_EQ(q.feed(head), State::kError);
}

TEST(HttpResponseParser, OversizeBodyIsAnErrorForEveryFraming) {
  HttpResponseLimits small{.max_header_bytes = 1024, .max_body_bytes = 5};
  {
    HttpResponseParser p(small);
    EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n"), State::kError);
    EXPECT_EQ(p.error(), "body larger than 5 bytes");
  }
  {
    HttpResponseParser p(small);
    EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n12345"), State::kComplete);
  }
  {
    HttpResponseParser p(small);
    EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\n"), State::kError);
  }
  {
    HttpResponseParser p(small);
    EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"),
              State::kComplete);
    EXPECT_EQ(p.body(), "abcde");
  }
  {
    HttpResponseParser p(small);
    EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\n\r\n123456"), State::kError);
  }
}

TEST(HttpResponseParser, RejectsMalformedInput) {
  const char* bad[] = {
      "HTTP/2 200 OK\r\n\r\n",
      "HTTP/1.1 20 OK\r\n\r\n",
      "HTTP/1.1 2000 OK\r\n\r\n",
      "HTTP/1.1 abc OK\r\n\r\n",
      "garbage\r\n\r\n",
      "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nBad Name: v\r\n\r\n",
      "HTTP/1.1 200 OK\r\nA: b\r\n  folded\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
  };
  for (const char* input : bad) {
    HttpResponseParser p;
    EXPECT_EQ(p.feed(input), State::kError) << input;
    EXPECT_FALSE(p.error().empty()) << input;
  }
}

TEST(HttpResponseParser, AcceptsBareLfAndMissingReasonPhrase) {
  HttpResponseParser p;
  EXPECT_EQ(p.feed("HTTP/1.1 404\nContent-Length: 2\n\nno"), State::kComplete) << p.error();
  EXPECT_EQ(p.status(), 404);
  EXPECT_EQ(p.reason_phrase(), "");
  EXPECT_EQ(p.body(), "no");
}

TEST(HttpResponseParser, SkipsInterimResponsesAndKnowsBodylessStatuses) {
  HttpResponseParser p;
  EXPECT_EQ(p.feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"), State::kComplete);
  EXPECT_EQ(p.status(), 204);
  EXPECT_EQ(p.body(), "");
  HttpResponseParser q;
  EXPECT_EQ(q.feed("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"), State::kComplete);
}

TEST(HttpResponseParser, TransferEncodingWinsOverContentLength) {
  HttpResponseParser p;
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                   "2\r\nok\r\n0\r\n\r\n"),
            State::kComplete);
  EXPECT_EQ(p.body(), "ok");
}

TEST(HttpResponseParser, BytesAfterACompleteResponseAreIgnored) {
  HttpResponseParser p;
  EXPECT_EQ(p.feed(kLengthResponse + "HTTP/1.1 500 X\r\n\r\n"), State::kComplete);
  EXPECT_EQ(p.feed("more"), State::kComplete);
  EXPECT_EQ(p.finish(), State::kComplete);
  EXPECT_EQ(p.status(), 200);
}

TEST(StatusRange, IsInclusive) {
  StatusRange def;
  EXPECT_FALSE(def.contains(199));
  EXPECT_TRUE(def.contains(200));
  EXPECT_TRUE(def.contains(299));
  EXPECT_FALSE(def.contains(300));
  StatusRange one{.low = 503, .high = 503};
  EXPECT_TRUE(one.contains(503));
  EXPECT_FALSE(one.contains(502));
}

// keepalived's `status_code 200-299 400-499 503`: any code in any range passes.
TEST(StatusCodes, AnyRangeMatches) {
  StatusCodes def;
  EXPECT_TRUE(def.contains(204));
  EXPECT_FALSE(def.contains(404));
  StatusCodes many{StatusRange{.low = 200, .high = 299}};
  many.more = {StatusRange{.low = 400, .high = 499}, StatusRange{.low = 503, .high = 503}};
  EXPECT_TRUE(many.contains(200));
  EXPECT_TRUE(many.contains(404));
  EXPECT_TRUE(many.contains(503));
  EXPECT_FALSE(many.contains(302));
  EXPECT_FALSE(many.contains(500));
}

TEST(Md5Hex, MatchesKnownDigests) {
  // RFC 1321 appendix A.5 test suite.
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
}

}  // namespace
}  // namespace lvsd::healthcheck
