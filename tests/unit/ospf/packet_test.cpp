// SPDX-License-Identifier: Apache-2.0
// OSPFv2 packet and LSA vectors both ways. The captured vectors are OSPF
// payloads (IP header removed) from FRR 8.4 ospfd and BIRD 2.0 adjacencies
// between two network namespaces joined by a veth (198.18.1.1/24 -
// 198.18.1.2/24, hello 1 s, dead 4 s), captured with
// `ip netns exec NS tshark -i r-s -w f.pcap proto 89`.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ospf/lsa.hpp"
#include "ospf/packet.hpp"

namespace anycastd::ospf {
namespace {

std::vector<std::uint8_t> hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2)
    out.push_back(
        static_cast<std::uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
  return out;
}

Packet decoded(const std::vector<std::uint8_t>& bytes) {
  auto result = decode(bytes);
  if (auto* f = std::get_if<DecodeFailure>(&result)) ADD_FAILURE() << f->message;
  return std::holds_alternative<Packet>(result) ? std::get<Packet>(result) : Packet{};
}

const Authenticator kNoAuth{};

// FRR ospfd 198.18.1.1 Hello on a broadcast link, seeing 198.18.1.2.
constexpr std::string_view kFrrHello =
    "02010030c6120101000000006e9f00000000000000000000ffffff0000010201000000040000000000000000c6"
    "120102";

TEST(OspfPacket, FrrHelloBothWays) {
  const auto bytes = hex(kFrrHello);
  const Packet p = decoded(bytes);
  EXPECT_EQ(p.router_id, 0xc6120101u);
  EXPECT_EQ(p.area_id, 0u);
  EXPECT_EQ(p.auth_type, AuthType::null);
  const auto& h = std::get<Hello>(p.body);
  EXPECT_EQ(h.network_mask, 0xffffff00u);
  EXPECT_EQ(h.hello_interval, 1);
  EXPECT_EQ(h.options, kOptionE);
  EXPECT_EQ(h.priority, 1);
  EXPECT_EQ(h.dead_interval, 4u);
  EXPECT_EQ(h.designated_router, 0u);
  EXPECT_EQ(h.neighbors, std::vector<std::uint32_t>{0xc6120102u});
  EXPECT_EQ(encode(p, kNoAuth), bytes);
}

TEST(OspfPacket, BirdHelloBothWays) {
  // BIRD 2 198.18.1.1 before it has heard anyone.
  const auto bytes = hex(
      "0201002cc61201010000000035b800000000000000000000ffffff0000010201000000040000000000000000");
  const Packet p = decoded(bytes);
  EXPECT_TRUE(std::get<Hello>(p.body).neighbors.empty());
  EXPECT_EQ(encode(p, kNoAuth), bytes);
}

TEST(OspfPacket, FrrDatabaseDescriptionBothWays) {
  // Initial DD (I|M|MS), then one carrying FRR's router-LSA header.
  const auto init = hex("02020020c612010100000000cd820000000000000000000005dc020773beeda5");
  const Packet p = decoded(init);
  const auto& dd = std::get<DatabaseDescription>(p.body);
  EXPECT_EQ(dd.interface_mtu, 1500);
  EXPECT_EQ(dd.flags, kDdInit | kDdMore | kDdMaster);
  EXPECT_EQ(dd.sequence, 0x73beeda5u);
  EXPECT_TRUE(dd.headers.empty());
  EXPECT_EQ(encode(p, kNoAuth), init);

  const auto full = hex(
      "02020034c612010100000000ca1a0000000000000000000005dc02006794011100000201c6120101c6120101800"
      "00002ebca0024");
  const Packet q = decoded(full);
  const auto& dd2 = std::get<DatabaseDescription>(q.body);
  ASSERT_EQ(dd2.headers.size(), 1u);
  const LsaHeader& h = dd2.headers[0];
  EXPECT_EQ(h.age, 0);
  EXPECT_EQ(h.options, kOptionE);
  EXPECT_EQ(h.type, 1);
  EXPECT_EQ(h.ls_id, 0xc6120101u);
  EXPECT_EQ(h.advertising_router, 0xc6120101u);
  EXPECT_EQ(h.sequence, static_cast<std::int32_t>(0x80000002));
  EXPECT_EQ(h.checksum, 0xebca);
  EXPECT_EQ(h.length, 36);
  EXPECT_EQ(encode(q, kNoAuth), full);
}

TEST(OspfPacket, BirdDatabaseDescriptionBothWays) {
  // BIRD sets the O bit (0x40) in its options.
  const auto bytes = hex(
      "02020034c61201010000000077410000000000000000000005dc4200c8413ab100024201c6120101c612010180"
      "00000124550024");
  const Packet p = decoded(bytes);
  const auto& dd = std::get<DatabaseDescription>(p.body);
  EXPECT_EQ(dd.options, 0x42);
  EXPECT_EQ(dd.headers.at(0).age, 2);
  EXPECT_EQ(encode(p, kNoAuth), bytes);
}

TEST(OspfPacket, LinkStateRequestBothWays) {
  const auto bytes =
      hex("02030024c612010200000000a89b0000000000000000000000000001c6120101c6120101");
  const Packet p = decoded(bytes);
  const auto& lsr = std::get<LinkStateRequest>(p.body);
  ASSERT_EQ(lsr.requests.size(), 1u);
  EXPECT_EQ(lsr.requests[0], (LsaKey{1, 0xc6120101u, 0xc6120101u}));
  EXPECT_EQ(encode(p, kNoAuth), bytes);
}

// FRR 198.18.1.2's update with its router-LSA (two versions) and, as DR, its network-LSA.
constexpr std::string_view kFrrUpdate =
    "02040084c6120102000000007320000000000000000000000000000300010201c6120102c612010280000002d5e0"
    "002400000001c6120100ffffff000300000a00010201c6120102c6120102800000036573002400000001c61201"
    "02c61201020200000a00010202c6120102c612010280000001707b0020ffffff00c6120101c6120102";

TEST(OspfPacket, FrrLinkStateUpdateBothWays) {
  const auto bytes = hex(kFrrUpdate);
  const Packet p = decoded(bytes);
  const auto& lsu = std::get<LinkStateUpdate>(p.body);
  ASSERT_EQ(lsu.lsas.size(), 3u);
  EXPECT_EQ(lsu.lsas[0].size(), 36u);
  EXPECT_EQ(lsu.lsas[2].size(), 32u);
  EXPECT_EQ(encode(p, kNoAuth), bytes);

  const auto router = decode_lsa(lsu.lsas[1]);
  ASSERT_TRUE(std::holds_alternative<Lsa>(router));
  const auto& r = std::get<RouterLsa>(std::get<Lsa>(router).body);
  ASSERT_EQ(r.links.size(), 1u);
  EXPECT_EQ(r.links[0].type, static_cast<std::uint8_t>(RouterLinkType::transit));
  EXPECT_EQ(r.links[0].id, 0xc6120102u);
  EXPECT_EQ(r.links[0].data, 0xc6120102u);
  EXPECT_EQ(r.links[0].metric, 10);
  EXPECT_EQ(encode_lsa(std::get<Lsa>(router)), lsu.lsas[1]);

  const auto network = decode_lsa(lsu.lsas[2]);
  ASSERT_TRUE(std::holds_alternative<Lsa>(network));
  const auto& n = std::get<NetworkLsa>(std::get<Lsa>(network).body);
  EXPECT_EQ(n.mask, 0xffffff00u);
  EXPECT_EQ(n.attached_routers, (std::vector<std::uint32_t>{0xc6120101u, 0xc6120102u}));
  EXPECT_EQ(encode_lsa(std::get<Lsa>(network)), lsu.lsas[2]);
}

TEST(OspfPacket, FrrLinkStateAckBothWays) {
  const auto bytes = hex(
      "02050040c612010100000000cfaa0000000000000000000000010201c6120102c612010280000002d5e0002400"
      "010202c6120102c612010280000001707b0020");
  const Packet p = decoded(bytes);
  const auto& ack = std::get<LinkStateAck>(p.body);
  ASSERT_EQ(ack.headers.size(), 2u);
  EXPECT_EQ(ack.headers[0].age, 1);
  EXPECT_EQ(ack.headers[1].type, 2);
  EXPECT_EQ(encode(p, kNoAuth), bytes);
}

TEST(OspfPacket, FrrMd5HelloVerifiesAndReencodes) {
  // FRR with `ip ospf message-digest-key 1 md5 secret`: AuType 2, key 1,
  // sequence 0x6b022636, 16-byte digest after the 48-byte packet.
  const auto bytes = hex(
      "02010030c61201010000000000000002000001106b022636ffffff0000010201000000040000000000000000c6"
      "120102cab266c74cac3d4d8e50561306c1e71d");
  const Packet p = decoded(bytes);
  EXPECT_EQ(p.auth_type, AuthType::cryptographic);
  EXPECT_EQ(p.crypto().key_id, 1);
  EXPECT_EQ(p.crypto().sequence, 0x6b022636u);
  const config::AuthConfig md5{config::AuthMode::md5, 1, "secret"};
  EXPECT_EQ(verify_auth(p, bytes, md5, std::nullopt), AuthError::none);
  EXPECT_EQ(verify_auth(p, bytes, {config::AuthMode::md5, 1, "wrong"}, std::nullopt),
            AuthError::bad_digest);
  EXPECT_EQ(verify_auth(p, bytes, {config::AuthMode::md5, 2, "secret"}, std::nullopt),
            AuthError::wrong_key_id);
  EXPECT_EQ(verify_auth(p, bytes, md5, 0x6b022637u), AuthError::old_sequence);
  EXPECT_EQ(verify_auth(p, bytes, {}, std::nullopt), AuthError::wrong_type);
  EXPECT_EQ(encode(p, Authenticator{md5, 0x6b022636u}), bytes);
  auto truncated = bytes;
  truncated.resize(bytes.size() - 1);
  EXPECT_EQ(verify_auth(p, truncated, md5, std::nullopt), AuthError::missing_digest);
}

TEST(OspfPacket, SimplePasswordBothWays) {
  Packet p;
  p.router_id = 0xc6120102u;
  p.body = Hello{};
  const config::AuthConfig text{config::AuthMode::text, 0, "pass"};
  const auto bytes = encode(p, Authenticator{text, 0});
  EXPECT_EQ(bytes[15], 1);  // AuType 1
  EXPECT_EQ(std::string(bytes.begin() + 16, bytes.begin() + 20), "pass");
  const Packet back = decoded(bytes);
  EXPECT_EQ(verify_auth(back, bytes, text, std::nullopt), AuthError::none);
  EXPECT_EQ(verify_auth(back, bytes, {config::AuthMode::text, 0, "other"}, std::nullopt),
            AuthError::wrong_password);
}

TEST(OspfPacket, RejectsBadPackets) {
  auto bytes = hex(kFrrHello);
  auto bad_sum = bytes;
  bad_sum[12] ^= 1;
  EXPECT_EQ(std::get<DecodeFailure>(decode(bad_sum)).error, DecodeError::bad_checksum);
  auto bad_version = bytes;
  bad_version[0] = 3;
  EXPECT_EQ(std::get<DecodeFailure>(decode(bad_version)).error, DecodeError::bad_version);
  auto bad_type = bytes;
  bad_type[1] = 6;
  EXPECT_EQ(std::get<DecodeFailure>(decode(bad_type)).error, DecodeError::bad_type);
  EXPECT_EQ(std::get<DecodeFailure>(decode(std::span(bytes).first(30))).error,
            DecodeError::bad_length);
  EXPECT_EQ(std::get<DecodeFailure>(decode(std::span(bytes).first(10))).error,
            DecodeError::truncated);
  // An LS Update whose LSA count promises more than it holds.
  auto lsu = hex(kFrrUpdate);
  lsu[27] = 4;
  EXPECT_TRUE(std::holds_alternative<DecodeFailure>(decode(lsu)));
}

// One valid packet of each type, null authentication: the vectors above.
std::vector<std::vector<std::uint8_t>> one_of_each_type() {
  return {
      hex(kFrrHello),
      hex("02020034c612010100000000ca1a0000000000000000000005dc02006794011100000201c6120101c6120101"
          "80000002ebca0024"),
      hex("02030024c612010200000000a89b0000000000000000000000000001c6120101c6120101"),
      hex(kFrrUpdate),
      hex("02050040c612010100000000cfaa0000000000000000000000010201c6120102c612010280000002d5e00024"
          "00010202c6120102c612010280000001707b0020"),
  };
}

// `packet` with its body cut to `body` bytes, and its length and checksum
// made to fit, so that the body's decoder sees the cut.
std::vector<std::uint8_t> with_body_cut(const std::vector<std::uint8_t>& packet, std::size_t body) {
  std::vector<std::uint8_t> cut(packet.begin(),
                                packet.begin() + static_cast<std::ptrdiff_t>(kHeaderSize + body));
  cut[2] = static_cast<std::uint8_t>(cut.size() >> 8);
  cut[3] = static_cast<std::uint8_t>(cut.size());
  cut[12] = cut[13] = 0;
  const std::uint16_t sum = ip_checksum(cut);
  cut[12] = static_cast<std::uint8_t>(sum >> 8);
  cut[13] = static_cast<std::uint8_t>(sum);
  return cut;
}

TEST(OspfPacket, EveryTruncationOfEachTypeFails) {
  for (const auto& bytes : one_of_each_type()) {
    ASSERT_TRUE(std::holds_alternative<Packet>(decode(bytes)));
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_TRUE(std::holds_alternative<DecodeFailure>(decode(std::span(bytes).first(n))))
          << "type " << int{bytes[1]} << ", " << n << " of " << bytes.size() << " bytes";
    }
  }
}

TEST(OspfPacket, EveryCutBodyFailsOrHoldsExactlyWhatItDecodes) {
  // The fixed part of each body (RFC 2328 §A.3.2 to §A.3.6); below it, an error.
  const std::map<int, std::size_t> fixed = {{1, 20}, {2, 8}, {3, 0}, {4, 4}, {5, 0}};
  for (const auto& bytes : one_of_each_type()) {
    const int type = bytes[1];
    for (std::size_t body = 0; body < bytes.size() - kHeaderSize; ++body) {
      const auto cut = with_body_cut(bytes, body);
      const auto result = decode(cut);
      if (const auto* p = std::get_if<Packet>(&result)) {
        // A whole number of entries: it decodes to what re-encodes to the same bytes.
        EXPECT_GE(body, fixed.at(type)) << "type " << type << ", body " << body;
        EXPECT_EQ(encode(*p, kNoAuth), cut) << "type " << type << ", body " << body;
      } else {
        EXPECT_EQ(std::get<DecodeFailure>(result).error, DecodeError::malformed);
      }
      if (body < fixed.at(type)) {
        EXPECT_TRUE(std::holds_alternative<DecodeFailure>(result)) << "type " << type;
      }
    }
  }
}

TEST(OspfPacket, EveryCutOfAnUpdateFailsOnItsLsaCount) {
  // RFC 2328 §A.3.5: "# LSAs": FRR's update says 3, so any cut of its body
  // fails, whatever the update's own length says.
  const auto bytes = hex(kFrrUpdate);
  for (std::size_t body = 0; body < bytes.size() - kHeaderSize; ++body) {
    EXPECT_TRUE(std::holds_alternative<DecodeFailure>(decode(with_body_cut(bytes, body)))) << body;
  }
}

// One LSA of each type: FRR's router- and network-LSAs, and ours of the others.
std::vector<std::vector<std::uint8_t>> one_of_each_lsa_type() {
  Lsa router{{0, kOptionE, 1, 1, 1, kInitialSequenceNumber, 0, 0},
             RouterLsa{0, {{1, 2, 3, 4, {{1, 7}}}, {5, 6, 3, 8, {}}}}};
  Lsa summary{{0, kOptionE, 3, 0xc6130000u, 1, kInitialSequenceNumber, 0, 0},
              SummaryLsa{0xffffff00u, 20, {0x01000005u}}};
  Lsa asbr{{0, kOptionE, 4, 0xc6120109u, 1, kInitialSequenceNumber, 0, 0}, SummaryLsa{0, 7, {}}};
  Lsa external{{0, kOptionE, 5, 0xc6130000u, 1, kInitialSequenceNumber, 0, 0},
               ExternalLsa{0xffffff00u, {{true, 0, 20, 0, 1}, {false, 4, 30, 0xc6120101u, 2}}}};
  Lsa opaque{{0, 0x42, 10, 0x01000001u, 1, kInitialSequenceNumber, 0, 0},
             OpaqueLsa{{0, 1, 0, 4, 1, 2, 3, 4}}};
  return {hex("00010201c6120101c612010180000002ebca002402000001c6120100ffffff000300000a"),
          hex("00010202c6120102c612010280000001707b0020ffffff00c6120101c6120102"),
          encode_lsa(router),
          encode_lsa(summary),
          encode_lsa(asbr),
          encode_lsa(external),
          encode_lsa(opaque)};
}

TEST(OspfLsa, EveryTruncationOfEachTypeFails) {
  for (const auto& lsa : one_of_each_lsa_type()) {
    ASSERT_TRUE(std::holds_alternative<Lsa>(decode_lsa(lsa))) << int{lsa[3]};
    for (std::size_t n = 0; n < lsa.size(); ++n) {
      const auto cut = std::span(lsa).first(n);
      EXPECT_TRUE(std::holds_alternative<LsaFailure>(decode_lsa(cut))) << int{lsa[3]} << " " << n;
      EXPECT_TRUE(check_lsa(cut).has_value());
      if (n < kLsaHeaderSize) {
        EXPECT_TRUE(std::holds_alternative<LsaFailure>(decode_lsa_header(cut)));
      }
    }
  }
}

TEST(OspfLsa, EveryCutBodyFailsOrHoldsExactlyWhatItDecodes) {
  for (const auto& lsa : one_of_each_lsa_type()) {
    for (std::size_t n = kLsaHeaderSize; n < lsa.size(); ++n) {
      // Cut, with the length field and the checksum made to fit.
      std::vector<std::uint8_t> cut(lsa.begin(), lsa.begin() + static_cast<std::ptrdiff_t>(n));
      cut[18] = static_cast<std::uint8_t>(n >> 8);
      cut[19] = static_cast<std::uint8_t>(n);
      set_lsa_checksum(cut);
      const auto result = decode_lsa(cut);
      if (const auto* decoded = std::get_if<Lsa>(&result)) {
        EXPECT_EQ(encode_lsa(*decoded), cut) << int{lsa[3]} << " " << n;
      } else {
        EXPECT_EQ(std::get<LsaFailure>(result).error, LsaError::bad_length);
      }
      // RFC 2328 §A.4.2 "# links": a router-LSA cut short is never whole.
      if (lsa[3] == 1) {
        EXPECT_TRUE(std::holds_alternative<LsaFailure>(result)) << int{lsa[3]} << " " << n;
      }
    }
  }
}

TEST(OspfLsa, FletcherChecksumOfCapturedLsas) {
  // Checksums computed by FRR (0xebca, 0xd5e0, 0x707b) and BIRD (0x2455).
  const std::vector<std::pair<std::string_view, std::uint16_t>> vectors = {
      {"00010201c6120101c612010180000002ebca002402000001c6120100ffffff000300000a", 0xebca},
      {"00010201c6120102c612010280000002d5e0002400000001c6120100ffffff000300000a", 0xd5e0},
      {"00010202c6120102c612010280000001707b0020ffffff00c6120101c6120102", 0x707b},
      {"00034201c6120101c6120101800000012455002400000001c6120100ffffff000300000a", 0x2455},
  };
  for (const auto& [text, sum] : vectors) {
    auto lsa = hex(text);
    EXPECT_EQ(lsa_checksum(lsa), sum) << text;
    EXPECT_TRUE(fletcher_ok(std::span(lsa).subspan(2)));
    // The age is outside the checksum (RFC 2328 §12.1.7).
    set_lsa_age(lsa, 1234);
    EXPECT_EQ(lsa_checksum(lsa), sum);
    lsa[30] ^= 0x10;
    EXPECT_FALSE(fletcher_ok(std::span(lsa).subspan(2)));
    EXPECT_EQ(std::get<LsaFailure>(decode_lsa(lsa)).error, LsaError::bad_checksum);
  }
}

TEST(OspfLsa, FletcherRfc905Properties) {
  // RFC 905 appendix B: with X and Y in place, both running sums are zero
  // modulo 255, and neither checksum octet is zero.
  for (std::size_t n : {4u, 17u, 100u}) {
    std::vector<std::uint8_t> data(n);
    for (std::size_t i = 0; i < n; ++i)
      data[i] = static_cast<std::uint8_t>(i * 37 + 11);
    const std::size_t offset = n / 2 - 1;
    const std::uint16_t sum = fletcher_checksum(data, offset);
    EXPECT_NE(sum >> 8, 0);
    EXPECT_NE(sum & 0xff, 0);
    data[offset] = static_cast<std::uint8_t>(sum >> 8);
    data[offset + 1] = static_cast<std::uint8_t>(sum);
    EXPECT_TRUE(fletcher_ok(data));
  }
}

TEST(OspfLsa, SummaryExternalAndOpaqueBothWays) {
  Lsa summary{{0, kOptionE, 3, 0xc6130000u, 0xc6120101u, kInitialSequenceNumber, 0, 0},
              SummaryLsa{0xffffff00u, 20, {}}};
  Lsa asbr{{5, kOptionE, 4, 0xc6120109u, 0xc6120101u, kInitialSequenceNumber, 0, 0},
           SummaryLsa{0, 7, {}}};
  Lsa external{{10, kOptionE, 5, 0xc6130000u, 0xc6120101u, kInitialSequenceNumber + 4, 0, 0},
               ExternalLsa{0xffffff00u, {{true, 0, 20, 0, 0x1234}}}};
  Lsa opaque{{0, 0x42, 10, 0x01000001u, 0xc6120101u, kInitialSequenceNumber, 0, 0},
             OpaqueLsa{{0, 1, 0, 4, 1, 2, 3, 4}}};
  for (const Lsa& lsa : {summary, asbr, external, opaque}) {
    const auto bytes = encode_lsa(lsa);
    EXPECT_EQ(bytes.size() % 4, 0u);
    const auto back = decode_lsa(bytes);
    ASSERT_TRUE(std::holds_alternative<Lsa>(back)) << std::get<LsaFailure>(back).message;
    const Lsa& got = std::get<Lsa>(back);
    EXPECT_EQ(got.body, lsa.body);
    EXPECT_EQ(got.header.length, bytes.size());
    EXPECT_EQ(encode_lsa(got), bytes);
  }
  // The external-LSA's E bit, TOS 0, metric 20, forwarding 0, tag 0x1234.
  const auto bytes = encode_lsa(external);
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin() + 24, bytes.end()), hex("80000014000000000000"
                                                                            "1234"));
}

TEST(OspfLsa, RejectsMalformedLsas) {
  auto lsa = hex("00010201c6120101c612010180000002ebca002402000001c6120100ffffff000300000a");
  auto short_len = lsa;
  short_len[19] = 0x10;
  EXPECT_EQ(std::get<LsaFailure>(decode_lsa(short_len)).error, LsaError::bad_length);
  EXPECT_EQ(std::get<LsaFailure>(decode_lsa(std::span(lsa).first(30))).error, LsaError::too_short);
  auto old = lsa;
  set_lsa_age(old, 3601);
  EXPECT_EQ(std::get<LsaFailure>(decode_lsa(old)).error, LsaError::bad_age);
  // A router-LSA claiming two links with room for one.
  Lsa two{{0, 0, 1, 1, 1, kInitialSequenceNumber, 0, 0}, RouterLsa{0, {{1, 2, 3, 4, {}}}}};
  auto bytes = encode_lsa(two);
  bytes[23] = 2;
  set_lsa_checksum(bytes);
  EXPECT_EQ(std::get<LsaFailure>(decode_lsa(bytes)).error, LsaError::bad_length);
}

TEST(OspfLsa, CompareInstancesFollowsRfc2328Section13_1) {
  LsaHeader a{100, 0, 1, 1, 1, kInitialSequenceNumber + 1, 0x1000, 36};
  LsaHeader b = a;
  EXPECT_EQ(compare_instances(a, b), 0);
  b.sequence = kInitialSequenceNumber;
  EXPECT_GT(compare_instances(a, b), 0);
  b = a;
  b.checksum = 0x2000;
  EXPECT_LT(compare_instances(a, b), 0);
  b = a;
  b.age = kMaxAge;
  EXPECT_LT(compare_instances(a, b), 0);
  b = a;
  b.age = a.age + kMaxAgeDiff + 1;
  EXPECT_GT(compare_instances(a, b), 0);
  b.age = a.age + kMaxAgeDiff;
  EXPECT_EQ(compare_instances(a, b), 0);
}

}  // namespace
}  // namespace anycastd::ospf
