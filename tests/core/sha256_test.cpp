// core::Sha256 against the FIPS 180-4 example vectors, in one piece and fed
// in every split, and against coreutils' sha256sum for a larger input.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "core/sha256.hpp"
#include "core/unique_fd.hpp"

namespace lvsd::core {
namespace {

TEST(Sha256, ExampleVectors) {
  EXPECT_EQ(to_hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(to_hex(sha256(std::string(1000000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, AnySplitOfTheInputGivesTheSameDigest) {
  std::string text;
  for (int i = 0; i < 300; ++i) text.push_back(static_cast<char>((i * 7 + 3) & 0xff));
  const Sha256Digest whole = sha256(text);
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    Sha256 hash;
    hash.update(std::string_view(text).substr(0, cut));
    hash.update(std::string_view(text).substr(cut));
    EXPECT_EQ(hash.finish(), whole) << cut;
  }
  Sha256 bytewise;
  for (char c : text) bytewise.update(std::string_view(&c, 1));
  EXPECT_EQ(bytewise.finish(), whole);
}

TEST(Sha256, LengthsAroundThePaddingBoundaryMatchSha256sum) {
  // 55, 56, 63, 64 and 65 bytes pad differently; compare with coreutils.
  for (std::size_t n : {55u, 56u, 63u, 64u, 65u, 119u, 120u, 1000u}) {
    std::string text(n, 'x');
    for (std::size_t i = 0; i < n; ++i) text[i] = static_cast<char>('a' + i % 26);
    char path[] = "/tmp/lvsd-sha256-XXXXXX";
    UniqueFd fd(mkstemp(path));
    ASSERT_TRUE(fd);
    ASSERT_EQ(write(fd.get(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
    fd.reset();
    std::FILE* pipe = popen((std::string("sha256sum ") + path).c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char out[65] = {};
    ASSERT_EQ(std::fread(out, 1, 64, pipe), 64u);
    pclose(pipe);
    std::remove(path);
    EXPECT_EQ(to_hex(sha256(text)), std::string(out)) << n;
  }
}

}  // namespace
}  // namespace lvsd::core
