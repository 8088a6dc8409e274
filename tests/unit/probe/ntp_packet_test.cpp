#include "probe/ntp_packet.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace anycastd::probe {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kTransmit = 0xe9a1'b2c3'1234'5678;

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
  const auto v = evaluate_ntp_answer(kAnswer, kTransmit, 15);
  EXPECT_EQ(v.verdict, Verdict::pass);
  EXPECT_EQ(v.detail, "stratum 2");
}

TEST(NtpPacket, OtherOriginIsUnrelated) {
  EXPECT_EQ(evaluate_ntp_answer(kAnswer, kTransmit + 1, 15).verdict, Verdict::unrelated);
}

TEST(NtpPacket, Unsynchronised) {
  const auto v = evaluate_ntp_answer(answer_with([](NtpPacket& p) { p.leap = 3; }), kTransmit, 15);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "LI=3 (unsynchronised)");
}

TEST(NtpPacket, KissOfDeath) {
  const auto v = evaluate_ntp_answer(answer_with([](NtpPacket& p) {
                                       p.stratum = 0;
                                       p.reference_id = 0x52415445;  // "RATE"
                                     }),
                                     kTransmit, 15);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "stratum 0 (kiss-o'-death RATE)");
}

TEST(NtpPacket, StratumAboveMaximum) {
  const Bytes s16 = answer_with([](NtpPacket& p) { p.stratum = 16; });
  const auto v = evaluate_ntp_answer(s16, kTransmit, 15);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "stratum 16 > max_stratum 15");
  const Bytes s3 = answer_with([](NtpPacket& p) { p.stratum = 3; });
  EXPECT_EQ(evaluate_ntp_answer(s3, kTransmit, 2).verdict, Verdict::fail);
  EXPECT_EQ(evaluate_ntp_answer(s3, kTransmit, 3).verdict, Verdict::pass);
}

TEST(NtpPacket, WrongMode) {
  const auto v = evaluate_ntp_answer(answer_with([](NtpPacket& p) { p.mode = 3; }), kTransmit, 15);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "mode 3, expected 4 (server)");
}

TEST(NtpPacket, ShortAnswerFails) {
  const auto v = evaluate_ntp_answer(Bytes(kAnswer.begin(), kAnswer.begin() + 20), kTransmit, 15);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "short packet (20 bytes, need 48)");
}

}  // namespace
}  // namespace anycastd::probe
