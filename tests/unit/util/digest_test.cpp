// SPDX-License-Identifier: Apache-2.0
#include "util/digest.hpp"

#include <gtest/gtest.h>

#include <string>

namespace anycastd {
namespace {

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& digest) {
  std::string out;
  for (const auto b : digest) {
    constexpr char kDigits[] = "0123456789abcdef";
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::string md5_of(std::string_view text) {
  Md5 md5;
  md5.update(text);
  return hex(md5.finish());
}

// RFC 1321 appendix A.5 test suite.
TEST(Md5, Rfc1321TestSuite) {
  EXPECT_EQ(md5_of(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_of("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(md5_of("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_of("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(md5_of("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(md5_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(md5_of("1234567890123456789012345678901234567890123456789012345678901234567890"
                   "1234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Md5, IncrementalUpdatesMatchOneShot) {
  const std::string text(1000, 'x');
  Md5 pieces;
  for (std::size_t i = 0; i < text.size(); i += 7)
    pieces.update(std::string_view(text).substr(i, 7));
  EXPECT_EQ(hex(pieces.finish()), md5_of(text));
  const auto* data = reinterpret_cast<const std::uint8_t*>(text.data());
  EXPECT_EQ(hex(Md5::digest(std::span(data, text.size()))), md5_of(text));
}

// Lengths around the 56-byte padding boundary need one or two final blocks.
TEST(Md5, PaddingBoundaries) {
  EXPECT_EQ(md5_of(std::string(55, 'a')), "ef1772b6dff9a122358552954ad0df65");
  EXPECT_EQ(md5_of(std::string(56, 'a')), "3b0c8ac703f828b04c6c197006d17218");
  EXPECT_EQ(md5_of(std::string(64, 'a')), "014842d480b571495a4a0363793f7367");
}

// RFC 3174 §7.3, tests 1 and 2.
TEST(Digest, Sha1TestSuite) {
  Sha1 abc;
  abc.update(std::string_view("abc"));
  EXPECT_EQ(hex(abc.finish()), "a9993e364706816aba3e25717850c26c9cd0d89d");
  Sha1 two;
  two.update(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
  EXPECT_EQ(hex(two.finish()), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

}  // namespace
}  // namespace anycastd
