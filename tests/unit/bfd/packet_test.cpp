// SPDX-License-Identifier: Apache-2.0
#include "bfd/packet.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../hex.hpp"

namespace anycastd::bfd {
namespace {

using anycastd::test_vectors::from_hex;

ControlPacket decoded(const std::vector<std::uint8_t>& bytes) {
  auto result = decode(bytes);
  if (auto* f = std::get_if<DecodeFailure>(&result)) {
    ADD_FAILURE() << "decode failed: " << to_string(f->error) << ": " << f->message;
    return {};
  }
  return std::get<ControlPacket>(result);
}

DecodeError decode_error(const std::vector<std::uint8_t>& bytes) {
  auto result = decode(bytes);
  if (auto* f = std::get_if<DecodeFailure>(&result)) return f->error;
  ADD_FAILURE() << "decoded what should fail";
  return DecodeError::truncated;
}

// Vectors laid out by hand from RFC 5880 §4.1/§4.2/§4.4, field by field; the
// SHA1 digests were computed with Python's hashlib over the packet with the
// key "secret" zero-padded to 20 bytes in the digest field (§6.7.4), not by
// our encoder.
//
// Down, Detect Mult 3, My Discriminator 1, Desired Min TX 1 s, Required Min
// RX 300 ms, Required Min Echo RX 50 ms (FRR bfdd's defaults while Down).
const auto kDown = from_hex("204003180000000100000000000f4240000493e00000c350");
// Up, keyed SHA1 (type 4), Key ID 2, sequence 0x11223344, 300 ms both ways.
const auto kUpSha1 = from_hex(
    "20c403340a0b0c0d01020304000493e0000493e000000000041c0200112233442481718a694b1459c8b6958f80880d"
    "836b04f754");
// Up with Poll, meticulous keyed SHA1 (type 5), sequence 0x11223345.
const auto kPollMeticulous = from_hex(
    "20e403340a0b0c0d01020304000493e0000493e000000000051c020011223345ea33ef71fd16b9928574be33a811db"
    "be44e12315");
// AdminDown, diag 7, simple password "secret" with Key ID 1.
const auto kAdminDownPassword =
    from_hex("270403210a0b0c0d00000000000f4240000493e000000000010901736563726574");

TEST(BfdPacket, DecodesDown) {
  const auto p = decoded(kDown);
  EXPECT_EQ(p.state, State::down);
  EXPECT_EQ(p.diag, Diag::none);
  EXPECT_FALSE(p.poll || p.final || p.control_plane_independent || p.demand);
  EXPECT_EQ(p.detect_mult, 3);
  EXPECT_EQ(p.my_discriminator, 1u);
  EXPECT_EQ(p.your_discriminator, 0u);
  EXPECT_EQ(p.desired_min_tx_us, 1'000'000u);
  EXPECT_EQ(p.required_min_rx_us, 300'000u);
  EXPECT_EQ(p.required_min_echo_rx_us, 50'000u);
  EXPECT_FALSE(p.auth);
  EXPECT_EQ(encode(p), kDown);
}

TEST(BfdPacket, EncodesDown) {
  ControlPacket p;
  p.my_discriminator = 1;
  p.desired_min_tx_us = 1'000'000;
  p.required_min_rx_us = 300'000;
  p.required_min_echo_rx_us = 50'000;
  EXPECT_EQ(encode(p), kDown);
}

TEST(BfdPacket, KeyedSha1BothWays) {
  const auto p = decoded(kUpSha1);
  EXPECT_EQ(p.state, State::up);
  EXPECT_EQ(p.my_discriminator, 0x0a0b0c0du);
  EXPECT_EQ(p.your_discriminator, 0x01020304u);
  ASSERT_TRUE(p.auth);
  const auto& a = std::get<DigestAuth>(*p.auth);
  EXPECT_EQ(a.type, AuthType::keyed_sha1);
  EXPECT_EQ(a.key_id, 2);
  EXPECT_EQ(a.sequence, 0x11223344u);
  EXPECT_TRUE(sha1_digest_valid(kUpSha1, "secret"));
  EXPECT_FALSE(sha1_digest_valid(kUpSha1, "secreT"));

  ControlPacket q = p;
  std::get<DigestAuth>(*q.auth).digest.assign(kSha1KeySize, 0);
  EXPECT_EQ(encode(q, "secret"), kUpSha1);
}

TEST(BfdPacket, MeticulousSha1WithPollBothWays) {
  const auto p = decoded(kPollMeticulous);
  EXPECT_TRUE(p.poll);
  EXPECT_FALSE(p.final);
  const auto& a = std::get<DigestAuth>(*p.auth);
  EXPECT_EQ(a.type, AuthType::meticulous_keyed_sha1);
  EXPECT_EQ(a.sequence, 0x11223345u);
  EXPECT_TRUE(sha1_digest_valid(kPollMeticulous, "secret"));
  EXPECT_EQ(encode(p, "secret"), kPollMeticulous);
}

TEST(BfdPacket, SimplePasswordBothWays) {
  const auto p = decoded(kAdminDownPassword);
  EXPECT_EQ(p.state, State::admin_down);
  EXPECT_EQ(p.diag, Diag::administratively_down);
  EXPECT_EQ(std::get<PasswordAuth>(*p.auth), (PasswordAuth{1, "secret"}));
  ControlPacket q;
  q.state = State::admin_down;
  q.diag = Diag::administratively_down;
  q.my_discriminator = 0x0a0b0c0d;
  q.desired_min_tx_us = 1'000'000;
  q.required_min_rx_us = 300'000;
  q.auth = PasswordAuth{1, "secret"};
  EXPECT_EQ(encode(q), kAdminDownPassword);
}

TEST(BfdPacket, IgnoresBytesBeyondLength) {
  auto padded = kDown;
  padded.resize(kDown.size() + 8, 0xee);
  EXPECT_EQ(decoded(padded), decoded(kDown));
}

// RFC 5880 §6.8.6's checks that need no session.
TEST(BfdPacket, ReceptionChecks) {
  auto with = [](std::vector<std::uint8_t> bytes, std::size_t at, std::uint8_t value) {
    bytes[at] = value;
    return bytes;
  };
  EXPECT_EQ(decode_error(with(kDown, 0, 0x40)), DecodeError::bad_version);
  EXPECT_EQ(decode_error(with(kDown, 3, 23)), DecodeError::bad_length);
  EXPECT_EQ(decode_error(with(kDown, 3, 25)), DecodeError::truncated);
  EXPECT_EQ(decode_error(with(kUpSha1, 3, 25)), DecodeError::bad_length);  // A set: at least 26
  EXPECT_EQ(decode_error(with(kDown, 2, 0)), DecodeError::bad_detect_mult);
  EXPECT_EQ(decode_error(with(kDown, 1, 0x41)), DecodeError::multipoint);
  EXPECT_EQ(decode_error(with(kDown, 7, 0)), DecodeError::bad_discriminator);  // My Discr 0
  // Your Discriminator 0 is fine in Down and AdminDown, not in Init or Up.
  EXPECT_EQ(decode_error(with(kDown, 1, 0x80)), DecodeError::bad_discriminator);
  EXPECT_EQ(decode_error(with(kDown, 1, 0xc0)), DecodeError::bad_discriminator);
  EXPECT_EQ(decoded(with(kDown, 1, 0x00)).state, State::admin_down);
  // The A bit without an authentication section, and a Length beyond it.
  auto a_bit = with(kDown, 1, 0x44);
  EXPECT_EQ(decode_error(a_bit), DecodeError::bad_length);
  // Length 24 with trailing bytes but no A bit is fine (UDP padding); a longer Length is not.
  auto longer = kDown;
  longer.push_back(0);
  longer[3] = 25;
  EXPECT_EQ(decode_error(longer), DecodeError::bad_length);
}

TEST(BfdPacket, RejectsBadAuthenticationSections) {
  auto with = [](std::vector<std::uint8_t> bytes, std::size_t at, std::uint8_t value) {
    bytes[at] = value;
    return bytes;
  };
  EXPECT_EQ(decode_error(with(kUpSha1, 24, 9)), DecodeError::bad_auth);   // unknown type
  EXPECT_EQ(decode_error(with(kUpSha1, 25, 24)), DecodeError::bad_auth);  // Auth Len vs Length
  EXPECT_EQ(decode_error(with(kUpSha1, 24, 2)), DecodeError::bad_auth);   // MD5 needs 24
  auto empty_password = from_hex("270403180a0b0c0d00000000000f4240000493e000000000");
  empty_password.insert(empty_password.end(), {1, 3, 1});
  empty_password[3] = 27;
  EXPECT_EQ(decode_error(empty_password), DecodeError::bad_auth);  // §4.2: 1..16 bytes
  auto long_password = kAdminDownPassword;
  long_password.insert(long_password.end(), 11, 'x');  // 17 bytes
  long_password[3] = static_cast<std::uint8_t>(long_password.size());
  long_password[25] = 3 + 17;
  EXPECT_EQ(decode_error(long_password), DecodeError::bad_auth);
}

// Every truncation of every vector is an error, never a crash.
TEST(BfdPacket, EveryTruncationIsAnError) {
  for (const auto& packet : {kDown, kUpSha1, kPollMeticulous, kAdminDownPassword}) {
    ASSERT_TRUE(std::holds_alternative<ControlPacket>(decode(packet)));
    for (std::size_t n = 0; n < packet.size(); ++n) {
      EXPECT_TRUE(std::holds_alternative<DecodeFailure>(decode(std::span(packet).first(n))))
          << n << " bytes";
    }
  }
}

}  // namespace
}  // namespace anycastd::bfd
