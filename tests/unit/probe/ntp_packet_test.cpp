// SPDX-License-Identifier: Apache-2.0
#include "probe/ntp_packet.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace anycastd::probe {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kTransmit = 0xe9a1'b2c3'1234'5678;
// T4: our clock when the answer below came in, 1/4096 s after its transmit timestamp.
constexpr std::uint64_t kReceive = 0xe9a1'b2c3'2020'0000;

NtpLimits limits(std::uint8_t max_stratum) {
  NtpLimits l;
  l.max_stratum = max_stratum;
  return l;
}

// RFC 5905 §7.3: LI=0 VN=4 Mode=3, everything zero but the transmit timestamp.
const Bytes kRequest = {
    0x23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0,                       // reference,
                                                     // origin,
                                                     // receive
    0xe9, 0xa1, 0xb2, 0xc3, 0x12, 0x34, 0x56, 0x78,  // transmit
};

// A stratum 2 server answer (LI=0 VN=4 Mode=4), written by hand.
const Bytes kAnswer = {
    0x24, 0x02, 0x06, 0xe9,                          // LI VN Mode, stratum 2, poll 6, precision -23
    0x00, 0x00, 0x01, 0x2c,                          // root delay
    0x00, 0x00, 0x00, 0x5e,                          // root dispersion
    0xc0, 0x00, 0x02, 0x01,                          // reference ID 192.0.2.1
    0xe9, 0xa1, 0xb2, 0x00, 0x00, 0x00, 0x00, 0x00,  // reference
    0xe9, 0xa1, 0xb2, 0xc3, 0x12, 0x34, 0x56, 0x78,  // origin = our transmit
    0xe9, 0xa1, 0xb2, 0xc3, 0x20, 0x00, 0x00, 0x00,  // receive
    0xe9, 0xa1, 0xb2, 0xc3, 0x20, 0x10, 0x00, 0x00,  // transmit
};

NtpPacket answer_packet() {
  NtpPacket p;
  p.leap = 0;
  p.version = 4;
  p.mode = 4;
  p.stratum = 2;
  p.poll = 6;
  p.precision = -23;
  p.root_delay = 0x12c;
  p.root_dispersion = 0x5e;
  p.reference_id = 0xc0000201;
  p.reference_time = 0xe9a1'b200'0000'0000;
  p.origin_time = kTransmit;
  p.receive_time = 0xe9a1'b2c3'2000'0000;
  p.transmit_time = 0xe9a1'b2c3'2010'0000;
  return p;
}

Bytes answer_with(void (*change)(NtpPacket&)) {
  NtpPacket p = answer_packet();
  change(p);
  return encode(p);
}

TEST(NtpPacket, RequestEncodes) {
  EXPECT_EQ(encode(client_request(kTransmit)), kRequest);
}

TEST(NtpPacket, RequestDecodes) {
  const auto p = decode_ntp(kRequest);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, client_request(kTransmit));
  EXPECT_EQ(p->leap, 0);
  EXPECT_EQ(p->version, 4);
  EXPECT_EQ(p->mode, 3);
}

TEST(NtpPacket, AnswerBothWays) {
  EXPECT_EQ(encode(answer_packet()), kAnswer);
  const auto p = decode_ntp(kAnswer);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, answer_packet());
}

TEST(NtpPacket, ExtensionFieldsAreIgnored) {
  Bytes longer = kAnswer;
  longer.insert(longer.end(), 20, 0xaa);
  const auto p = decode_ntp(longer);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, answer_packet());
}

TEST(NtpPacket, ShortPacketDoesNotDecode) {
  EXPECT_FALSE(decode_ntp(Bytes(kAnswer.begin(), kAnswer.end() - 1)));
  EXPECT_FALSE(decode_ntp(Bytes{}));
}

TEST(NtpPacket, NtpTime) {
  using std::chrono::system_clock;
  EXPECT_EQ(to_ntp_time(system_clock::time_point{}), std::uint64_t{2'208'988'800} << 32);
  const auto t = system_clock::time_point{} + std::chrono::milliseconds(1500);
  EXPECT_EQ(to_ntp_time(t), (std::uint64_t{2'208'988'801} << 32) | 0x8000'0000);
}

TEST(NtpPacket, GoodAnswerPasses) {
  const auto v = evaluate_ntp_answer(kAnswer, kTransmit, kReceive, limits(15));
  EXPECT_EQ(v.verdict, Verdict::pass);
  EXPECT_EQ(v.detail, "stratum 2, offset +26.8ms, root distance 30.8ms");
}

// RFC 5905 §8 on kAnswer's four timestamps, worked out by hand:
//   T2 - T1 = 0x0dcba988 / 2^32 s = 53.889 ms, T3 - T4 = -0x00100000 / 2^32 s = -0.244 ms
//   offset = (53.889 - 0.244) / 2 = 26.822 ms
//   delay = (T4 - T1) - (T3 - T2) = 54.133 ms
//   root distance = max(5 ms, root delay 4.578 ms + delay) / 2 + root dispersion 1.434 ms
//                   + 2^-23 + 2^-20 + 15e-6 x (T4 - T1) = 30.792 ms
TEST(NtpPacket, OffsetDelayAndRootDistanceAsInRfc5905) {
  const NtpSample s = ntp_sample(answer_packet(), kTransmit, kReceive);
  EXPECT_NEAR(s.offset, 0.026822374, 1e-9);
  EXPECT_NEAR(s.delay, 0.054133030, 1e-9);
  EXPECT_NEAR(s.root_distance, 0.030791548, 1e-9);
}

TEST(NtpPacket, ANegativeOffsetIsTheServerBehindUs) {
  // The server's clock reads 2 s earlier than ours on both of its stamps.
  NtpPacket p = answer_packet();
  p.receive_time -= std::uint64_t{2} << 32;
  p.transmit_time -= std::uint64_t{2} << 32;
  const NtpSample s = ntp_sample(p, kTransmit, kReceive);
  EXPECT_NEAR(s.offset, 0.026822374 - 2.0, 1e-9);
  EXPECT_NEAR(s.delay, 0.054133030, 1e-9);  // an offset does not change the delay
}

TEST(NtpPacket, OffsetAcrossTheEraBoundary) {
  // RFC 5905 §6: era 0 ends at 2036-02-07; our request went out just before
  // and the server stamped it just after.
  NtpPacket p = answer_packet();
  const std::uint64_t t1 = 0xffff'ffff'f000'0000;
  p.origin_time = t1;
  p.receive_time = 0x0000'0000'1000'0000;  // 1/8 s later
  p.transmit_time = 0x0000'0000'1000'0000;
  const std::uint64_t t4 = 0x0000'0000'2000'0000;  // 3/16 s after t1
  const NtpSample s = ntp_sample(p, t1, t4);
  EXPECT_NEAR(s.delay, 0.1875, 1e-9);
  EXPECT_NEAR(s.offset, (0.125 - 0.0625) / 2, 1e-9);
}

TEST(NtpPacket, OffsetBeyondMaxOffsetFails) {
  NtpLimits l = limits(15);
  l.max_offset = std::chrono::milliseconds(20);
  auto v = evaluate_ntp_answer(kAnswer, kTransmit, kReceive, l);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail,
            "stratum 2, offset +26.8ms, root distance 30.8ms: offset beyond max_offset 20.0ms");
  l.max_offset = std::chrono::milliseconds(27);
  EXPECT_EQ(evaluate_ntp_answer(kAnswer, kTransmit, kReceive, l).verdict, Verdict::pass);
  // The magnitude counts: 2 s behind fails as 2 s ahead would.
  const Bytes behind = answer_with([](NtpPacket& p) {
    p.receive_time -= std::uint64_t{2} << 32;
    p.transmit_time -= std::uint64_t{2} << 32;
  });
  l.max_offset = std::chrono::seconds(1);
  v = evaluate_ntp_answer(behind, kTransmit, kReceive, l);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail,
            "stratum 2, offset -1.973s, root distance 30.8ms: offset beyond max_offset 1.000s");
}

TEST(NtpPacket, RootDistanceBeyondTheLimitFails) {
  // A root dispersion of 2 s (16.16 format) alone is past the default 1.5 s.
  const Bytes far = answer_with([](NtpPacket& p) { p.root_dispersion = 2 << 16; });
  const auto v = evaluate_ntp_answer(far, kTransmit, kReceive, limits(15));
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "stratum 2, offset +26.8ms, root distance 2.029s > max_root_distance 1.500s");
  NtpLimits l = limits(15);
  l.max_root_distance = std::chrono::seconds(3);
  EXPECT_EQ(evaluate_ntp_answer(far, kTransmit, kReceive, l).verdict, Verdict::pass);
}

TEST(NtpPacket, ZeroTransmitTimestampFails) {
  const auto v = evaluate_ntp_answer(answer_with([](NtpPacket& p) { p.transmit_time = 0; }),
                                     kTransmit, kReceive, limits(15));
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "transmit timestamp zero");
}

TEST(NtpPacket, OtherOriginIsUnrelated) {
  EXPECT_EQ(evaluate_ntp_answer(kAnswer, kTransmit + 1, kReceive, limits(15)).verdict,
            Verdict::unrelated);
}

TEST(NtpPacket, Unsynchronised) {
  const auto v = evaluate_ntp_answer(answer_with([](NtpPacket& p) { p.leap = 3; }), kTransmit,
                                     kReceive, limits(15));
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "LI=3 (unsynchronised)");
}

TEST(NtpPacket, KissOfDeath) {
  const auto v = evaluate_ntp_answer(answer_with([](NtpPacket& p) {
                                       p.stratum = 0;
                                       p.reference_id = 0x52415445;  // "RATE"
                                     }),
                                     kTransmit, kReceive, limits(15));
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "stratum 0 (kiss-o'-death RATE)");
}

TEST(NtpPacket, StratumAboveMaximum) {
  const Bytes s16 = answer_with([](NtpPacket& p) { p.stratum = 16; });
  const auto v = evaluate_ntp_answer(s16, kTransmit, kReceive, limits(15));
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "stratum 16 > max_stratum 15");
  const Bytes s3 = answer_with([](NtpPacket& p) { p.stratum = 3; });
  EXPECT_EQ(evaluate_ntp_answer(s3, kTransmit, kReceive, limits(2)).verdict, Verdict::fail);
  EXPECT_EQ(evaluate_ntp_answer(s3, kTransmit, kReceive, limits(3)).verdict, Verdict::pass);
}

TEST(NtpPacket, WrongMode) {
  const auto v = evaluate_ntp_answer(answer_with([](NtpPacket& p) { p.mode = 3; }), kTransmit,
                                     kReceive, limits(15));
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "mode 3, expected 4 (server)");
}

TEST(NtpPacket, ShortAnswerFails) {
  const auto v = evaluate_ntp_answer(Bytes(kAnswer.begin(), kAnswer.begin() + 20), kTransmit,
                                     kReceive, limits(15));
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "short packet (20 bytes, need 48)");
}

}  // namespace
}  // namespace anycastd::probe
