// SPDX-License-Identifier: Apache-2.0
// BFD Control packets captured on the wire, both ways: each decodes to the
// fields tshark 4.0.17 showed for it, and encodes back to the same bytes.
//
// Captured by tests/vectors/bfd_capture.py (its docstring has the steps) on
// Debian 12 between anycastd and FRR bfdd 8.4.4 (BGP `neighbor X bfd profile
// p`) or BIRD 2.0.12 (`protocol bfd` + BGP `bfd on`), with
// `tshark -i r-h -w NAME.pcap -f 'udp port 3784'` on the router's link; the
// pcaps are tests/vectors/bfd-*.pcap, and "frame N" below is tshark's frame
// number in them. Router 198.18.1.1, anycastd 198.18.1.2.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "../hex.hpp"
#include "bfd/packet.hpp"

namespace anycastd::bfd {
namespace {

using anycastd::test_vectors::from_hex;

// The key of both BIRD captures (key ID 1), and one that is not.
constexpr std::string_view kKey = "s3cret";
constexpr std::string_view kWrongKey = "s3creT";

struct Captured {
  const char* source;
  std::vector<std::uint8_t> bytes;
  ControlPacket expected;  // as tshark dissected the bytes
};

enum Bits { kNoBits = 0, kPoll = 1, kFinal = 2 };

// Every field of a packet; Detect Mult is 3 in all the captures.
ControlPacket fields(State state, Diag diag, Bits bits, std::uint32_t my, std::uint32_t your,
                     std::uint32_t tx_us, std::uint32_t rx_us, std::uint32_t echo_us,
                     std::optional<Authentication> auth = std::nullopt) {
  return {.diag = diag,
          .state = state,
          .poll = (bits & kPoll) != 0,
          .final = (bits & kFinal) != 0,
          .detect_mult = 3,
          .my_discriminator = my,
          .your_discriminator = your,
          .desired_min_tx_us = tx_us,
          .required_min_rx_us = rx_us,
          .required_min_echo_rx_us = echo_us,
          .auth = std::move(auth)};
}

DigestAuth sha1(AuthType type, std::uint32_t sequence, std::string_view digest_hex) {
  return DigestAuth{type, 1, sequence, from_hex(digest_hex)};
}

// FRR bfdd 8.4.4 and anycastd, bfd-frr.pcap. FRR asks for Required Min Echo
// RX 50 ms. Its first session (0x38e0cdd3, from bgpd's first registration)
// said Down, diag 3, before the one that came Up (0xd50be14f).
constexpr std::uint32_t kFrrOld = 0x38e0cdd3, kFrrId = 0xd50be14f, kOursToFrr = 0x04ef4b34;
const std::vector<Captured> kFrr = {
    {"FRR frame 2: Down, diag 3 (neighbor signaled session down), 1 s",
     from_hex("2340031838e0cdd304ef4b34000f4240000f42400000c350"),
     fields(State::down, Diag::neighbor_signaled_session_down, kNoBits, kFrrOld, kOursToFrr,
            1'000'000, 1'000'000, 50'000)},
    {"FRR frame 4: Down, Your Discriminator 0",
     from_hex("20400318d50be14f00000000000f4240000f42400000c350"),
     fields(State::down, Diag::none, kNoBits, kFrrId, 0, 1'000'000, 1'000'000, 50'000)},
    {"FRR frame 7: Up with Poll, 300 ms (from the slow rate to the profile's)",
     from_hex("20e00318d50be14f04ef4b34000493e0000493e00000c350"),
     fields(State::up, Diag::none, kPoll, kFrrId, kOursToFrr, 300'000, 300'000, 50'000)},
    {"FRR frame 9: Up, 300 ms", from_hex("20c00318d50be14f04ef4b34000493e0000493e00000c350"),
     fields(State::up, Diag::none, kNoBits, kFrrId, kOursToFrr, 300'000, 300'000, 50'000)},
    {"FRR frame 11: Up with Final, answering anycastd's Poll",
     from_hex("20d00318d50be14f04ef4b34000493e0000493e00000c350"),
     fields(State::up, Diag::none, kFinal, kFrrId, kOursToFrr, 300'000, 300'000, 50'000)},
    // `shutdown` in FRR 8.4's profile sends AdminDown with diag 0, not 7.
    {"FRR frame 51: AdminDown (profile shutdown), diag 0, 400 ms",
     from_hex("20000318d50be14f04ef4b3400061a8000061a800000c350"),
     fields(State::admin_down, Diag::none, kNoBits, kFrrId, kOursToFrr, 400'000, 400'000, 50'000)},
    {"FRR frame 54: Init (after no shutdown), 400 ms",
     from_hex("20800318d50be14f04ef4b3400061a8000061a800000c350"),
     fields(State::init, Diag::none, kNoBits, kFrrId, kOursToFrr, 400'000, 400'000, 50'000)},
    {"anycastd frame 3: Init, 1 s while not Up (RFC 5880 §6.8.3)",
     from_hex("2080031804ef4b3438e0cdd3000f4240000493e000000000"),
     fields(State::init, Diag::none, kNoBits, kOursToFrr, kFrrOld, 1'000'000, 300'000, 0)},
    {"anycastd frame 67: AdminDown, diag 7, on SIGTERM",
     from_hex("2700031804ef4b34d50be14f0007a120000493e000000000"),
     fields(State::admin_down, Diag::administratively_down, kNoBits, kOursToFrr, kFrrId, 500'000,
            300'000, 0)},
};

// BIRD 2.0.12 with keyed SHA1 (bfd-bird-sha1.pcap) and meticulous keyed SHA1
// (bfd-bird-meticulous.pcap), and anycastd's AdminDown in the latter. BIRD
// keeps the sequence number of keyed SHA1 from Init on (frames 3 and 5 share
// it: §6.7.4 lets it), and counts it up in every meticulous packet.
constexpr std::uint32_t kBirdSha1 = 0x8a566903, kOursToBirdSha1 = 0xd92b683e;
constexpr std::uint32_t kBirdMeticulous = 0x263e63c2, kOursToBirdMeticulous = 0x3533fea2;
constexpr auto kKeyed = AuthType::keyed_sha1;
constexpr auto kMeticulous = AuthType::meticulous_keyed_sha1;
const std::vector<Captured> kBird = {
    {"BIRD keyed SHA1 frame 1: Down",
     from_hex("204403348a56690300000000000f4240000493e000000000041c0100008f648c0145a025777f21c3"
              "a24f4ea4d28d4c40bd2fa614"),
     fields(State::down, Diag::none, kNoBits, kBirdSha1, 0, 1'000'000, 300'000, 0,
            sha1(kKeyed, 0x008f648c, "0145a025777f21c3a24f4ea4d28d4c40bd2fa614"))},
    {"BIRD keyed SHA1 frame 3: Init",
     from_hex("208403348a566903d92b683e000f4240000493e000000000041c0100008f648dcdf8a48e3fa63227"
              "124dd92e1410074f90bd5f28"),
     fields(State::init, Diag::none, kNoBits, kBirdSha1, kOursToBirdSha1, 1'000'000, 300'000, 0,
            sha1(kKeyed, 0x008f648d, "cdf8a48e3fa63227124dd92e1410074f90bd5f28"))},
    {"BIRD keyed SHA1 frame 5: Up with Final, the sequence number of frame 3",
     from_hex("20d403348a566903d92b683e000493e0000493e000000000041c0100008f648d7c20afc581d67acc"
              "6a2a0ac88aa723586a685ab2"),
     fields(State::up, Diag::none, kFinal, kBirdSha1, kOursToBirdSha1, 300'000, 300'000, 0,
            sha1(kKeyed, 0x008f648d, "7c20afc581d67acc6a2a0ac88aa723586a685ab2"))},
    {"BIRD meticulous keyed SHA1 frame 6: Up with Poll",
     from_hex("20e40334263e63c23533fea2000493e0000493e000000000051c0100e7e84300abd7f04d38f9c2"
              "3fec2bbdec812f94d239774b76"),
     fields(State::up, Diag::none, kPoll, kBirdMeticulous, kOursToBirdMeticulous, 300'000, 300'000,
            0, sha1(kMeticulous, 0xe7e84300, "abd7f04d38f9c23fec2bbdec812f94d239774b76"))},
    {"BIRD meticulous keyed SHA1 frame 8: Up, sequence + 1",
     from_hex("20c40334263e63c23533fea2000493e0000493e000000000051c0100e7e8430138fd418b5797f0"
              "ca08af3bbc52fc6c37f5cda71d"),
     fields(State::up, Diag::none, kNoBits, kBirdMeticulous, kOursToBirdMeticulous, 300'000,
            300'000, 0, sha1(kMeticulous, 0xe7e84301, "38fd418b5797f0ca08af3bbc52fc6c37f5cda71d"))},
    {"anycastd meticulous keyed SHA1 frame 45: AdminDown, diag 7, on SIGTERM",
     from_hex("270403343533fea2263e63c20007a120000493e000000000051c0100c5599e676f4811b884ba0b"
              "154d7c4a8ab6cc209f24f03008"),
     fields(State::admin_down, Diag::administratively_down, kNoBits, kOursToBirdMeticulous,
            kBirdMeticulous, 500'000, 300'000, 0,
            sha1(kMeticulous, 0xc5599e67, "6f4811b884ba0b154d7c4a8ab6cc209f24f03008"))},
};

void expect_fields(const ControlPacket& got, const ControlPacket& want) {
  EXPECT_EQ(got.diag, want.diag);
  EXPECT_EQ(got.state, want.state);
  EXPECT_EQ(got.poll, want.poll);
  EXPECT_EQ(got.final, want.final);
  EXPECT_EQ(got.control_plane_independent, want.control_plane_independent);
  EXPECT_EQ(got.demand, want.demand);
  EXPECT_EQ(got.detect_mult, want.detect_mult);
  EXPECT_EQ(got.my_discriminator, want.my_discriminator);
  EXPECT_EQ(got.your_discriminator, want.your_discriminator);
  EXPECT_EQ(got.desired_min_tx_us, want.desired_min_tx_us);
  EXPECT_EQ(got.required_min_rx_us, want.required_min_rx_us);
  EXPECT_EQ(got.required_min_echo_rx_us, want.required_min_echo_rx_us);
  ASSERT_EQ(got.auth.has_value(), want.auth.has_value());
  if (!want.auth) return;
  const auto* a = std::get_if<DigestAuth>(&*got.auth);
  ASSERT_NE(a, nullptr);
  const auto& b = std::get<DigestAuth>(*want.auth);
  EXPECT_EQ(a->type, b.type);
  EXPECT_EQ(a->key_id, b.key_id);
  EXPECT_EQ(a->sequence, b.sequence);
  EXPECT_EQ(a->digest, b.digest);
}

void check_both_ways(const std::vector<Captured>& vectors) {
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.source);
    const auto result = decode(v.bytes);
    const auto* p = std::get_if<ControlPacket>(&result);
    ASSERT_NE(p, nullptr) << to_string(std::get<DecodeFailure>(result).error);
    expect_fields(*p, v.expected);
    // encode() computes the digest itself: give it zeros.
    ControlPacket bare = v.expected;
    if (bare.auth) std::get<DigestAuth>(*bare.auth).digest.assign(kSha1KeySize, 0);
    EXPECT_EQ(encode(bare, bare.auth ? kKey : std::string_view{}), v.bytes);
  }
}

TEST(BfdCaptured, FrrBothWays) {
  check_both_ways(kFrr);
}

TEST(BfdCaptured, Sha1BothWays) {
  check_both_ways(kBird);
}

// §6.7.4: the digests BIRD and anycastd computed check out with the key they
// were configured with, and not with another, nor once a byte they cover changed.
TEST(BfdCaptured, Sha1DigestsVerifyWithTheKeyOnly) {
  for (const auto& v : kBird) {
    SCOPED_TRACE(v.source);
    EXPECT_TRUE(sha1_digest_valid(v.bytes, kKey));
    EXPECT_FALSE(sha1_digest_valid(v.bytes, kWrongKey));
    EXPECT_FALSE(sha1_digest_valid(v.bytes, ""));
    auto changed = v.bytes;
    changed[31] ^= 1;  // the sequence number's last byte
    EXPECT_FALSE(sha1_digest_valid(changed, kKey));
  }
}

TEST(BfdCaptured, EveryTruncationIsAnError) {
  for (const auto* vectors : {&kFrr, &kBird}) {
    for (const auto& v : *vectors) {
      for (std::size_t n = 0; n < v.bytes.size(); ++n) {
        EXPECT_TRUE(std::holds_alternative<DecodeFailure>(decode(std::span(v.bytes).first(n))))
            << v.source << ", " << n << " bytes";
      }
    }
  }
}

}  // namespace
}  // namespace anycastd::bfd
