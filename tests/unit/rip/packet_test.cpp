// SPDX-License-Identifier: Apache-2.0
#include "rip/packet.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../hex.hpp"

namespace anycastd::rip {
namespace {

using anycastd::test_vectors::from_hex;

IpAddress ip(std::string_view text) {
  return *IpAddress::parse(text);
}

RouteEntry route(std::string_view address, std::uint8_t length, std::uint32_t metric) {
  RouteEntry e;
  e.address = ip(address);
  e.mask_length = length;
  e.next_hop = ip("0.0.0.0");
  e.metric = metric;
  return e;
}

Packet decoded(const std::vector<std::uint8_t>& bytes) {
  auto result = decode(bytes);
  if (auto* f = std::get_if<DecodeFailure>(&result)) {
    ADD_FAILURE() << "decode failed: " << to_string(f->error) << ": " << f->message;
    return {};
  }
  return std::get<Packet>(result);
}

DecodeError decode_error(const std::vector<std::uint8_t>& bytes) {
  auto result = decode(bytes);
  if (auto* f = std::get_if<DecodeFailure>(&result)) return f->error;
  ADD_FAILURE() << "decoded what should fail";
  return DecodeError::too_short;
}

// The following vectors were sent by FRR ripd 8.4.4 (Debian 12) and captured
// with `ip netns exec ripcap tshark -i c0 -i c1 -i c2 -w frr.pcapng udp port
// 520`, then `tshark -T fields -e udp.payload`. Lab: ns ripfrr with veths
// f0 198.18.0.1/24 (no auth), f1 198.18.1.1/24 (`ip rip authentication mode
// text`, string "secret"), f2 198.18.2.1/24 (`ip rip authentication mode md5`,
// `ip rip authentication key-chain kc`, key 1 key-string "secret"),
// 198.19.224.2/32 on lo, `router rip / version 2 / network f0 f1 f2 /
// redistribute connected`.

// FRR's start-up request for the whole table (sent unauthenticated on every interface).
const auto kFrrRequest = from_hex("010200000000000000000000000000000000000000000010");
// Response on f0: 198.18.1.0/24, 198.18.2.0/24, 198.19.224.2/32, metric 1.
const auto kFrrResponse = from_hex(
    "0202000000020000c6120100ffffff000000000000000001"
    "00020000c6120200ffffff00000000000000000100020000c613e002ffffffff0000000000000001");
// Response on f1 with the plain-text password "secret".
const auto kFrrTextResponse = from_hex(
    "02020000ffff00027365637265740000000000000000000000020000c6120000ffffff000000000000000001"
    "00020000c6120200ffffff00000000000000000100020000c613e002ffffffff0000000000000001");
// Response on f2, keyed MD5: key id 1, Auth Data Len 20, sequence 1, key "secret".
const auto kFrrMd5Response = from_hex(
    "02020000ffff00030054011400000001000000000000000000020000c6120000ffffff000000000000000001"
    "00020000c6120100ffffff00000000000000000100020000c613e002ffffffff0000000000000001"
    "ffff000136994b6939e5e12bcb7d201ffe994534");

TEST(RipPacket, DecodesFrrWholeTableRequest) {
  const Packet p = decoded(kFrrRequest);
  EXPECT_EQ(p.command, Command::request);
  EXPECT_EQ(p.version, 2);
  EXPECT_TRUE(std::holds_alternative<NoAuth>(p.auth));
  EXPECT_TRUE(p.is_whole_table_request());
}

TEST(RipPacket, EncodesWholeTableRequestLikeFrr) {
  EXPECT_EQ(encode(whole_table_request()), kFrrRequest);
}

TEST(RipPacket, DecodesFrrResponse) {
  const Packet p = decoded(kFrrResponse);
  EXPECT_EQ(p.command, Command::response);
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_EQ(p.entries[0], route("198.18.1.0", 24, 1));
  EXPECT_EQ(p.entries[1], route("198.18.2.0", 24, 1));
  EXPECT_EQ(p.entries[2], route("198.19.224.2", 32, 1));
  EXPECT_FALSE(p.is_whole_table_request());
}

TEST(RipPacket, EncodesResponseLikeFrr) {
  Packet p;
  p.command = Command::response;
  p.entries = {route("198.18.1.0", 24, 1), route("198.18.2.0", 24, 1),
               route("198.19.224.2", 32, 1)};
  EXPECT_EQ(encode(p), kFrrResponse);
}

TEST(RipPacket, DecodesFrrTextAuth) {
  const Packet p = decoded(kFrrTextResponse);
  ASSERT_TRUE(std::holds_alternative<TextAuth>(p.auth));
  EXPECT_EQ(std::get<TextAuth>(p.auth), text_auth("secret"));
  EXPECT_EQ(p.entries.size(), 3u);
  config::AuthConfig auth{config::AuthMode::text, 0, "secret"};
  EXPECT_EQ(verify_auth(p, kFrrTextResponse, auth), AuthError::none);
  auth.key = "Secret";
  EXPECT_EQ(verify_auth(p, kFrrTextResponse, auth), AuthError::wrong_password);
}

TEST(RipPacket, EncodesTextAuthLikeFrr) {
  Packet p;
  p.auth = text_auth("secret");
  p.entries = {route("198.18.0.0", 24, 1), route("198.18.2.0", 24, 1),
               route("198.19.224.2", 32, 1)};
  EXPECT_EQ(encode(p), kFrrTextResponse);
}

TEST(RipPacket, DecodesFrrMd5Auth) {
  const Packet p = decoded(kFrrMd5Response);
  ASSERT_TRUE(std::holds_alternative<Md5Auth>(p.auth));
  const auto& md5 = std::get<Md5Auth>(p.auth);
  EXPECT_EQ(md5.packet_length, 84);
  EXPECT_EQ(md5.key_id, 1);
  EXPECT_EQ(md5.auth_data_len, 20);
  EXPECT_EQ(md5.sequence, 1u);
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_EQ(p.entries[2], route("198.19.224.2", 32, 1));
}

TEST(RipPacket, Md5DigestMatchesFrr) {
  const Packet p = decoded(kFrrMd5Response);
  const config::AuthConfig auth{config::AuthMode::md5, 1, "secret"};
  EXPECT_EQ(verify_auth(p, kFrrMd5Response, auth), AuthError::none);
  EXPECT_EQ(verify_auth(p, kFrrMd5Response, {config::AuthMode::md5, 1, "secreT"}),
            AuthError::bad_digest);
  EXPECT_EQ(verify_auth(p, kFrrMd5Response, {config::AuthMode::md5, 2, "secret"}),
            AuthError::wrong_key_id);
  auto tampered = kFrrMd5Response;
  tampered[43] = 2;  // first route's metric
  EXPECT_EQ(verify_auth(decoded(tampered), tampered, auth), AuthError::bad_digest);
}

TEST(RipPacket, EncodesMd5AuthLikeFrr) {
  Packet p;
  Md5Auth md5;
  md5.key_id = 1;
  md5.auth_data_len = kMd5AuthDataLenCompat;
  md5.sequence = 1;
  p.auth = md5;
  p.entries = {route("198.18.0.0", 24, 1), route("198.18.1.0", 24, 1),
               route("198.19.224.2", 32, 1)};
  EXPECT_EQ(encode(p, "secret"), kFrrMd5Response);
}

TEST(RipPacket, AcceptsRfc2082AuthDataLength) {
  Packet p;
  Md5Auth md5;
  md5.key_id = 7;
  md5.auth_data_len = kMd5AuthDataLenRfc;
  md5.sequence = 0x01020304;
  p.auth = md5;
  p.entries = {route("198.19.224.2", 32, 16)};
  const auto bytes = encode(p, "a-key-longer-than-sixteen-bytes");
  ASSERT_EQ(bytes.size(), 4u + 3 * 20);
  const Packet back = decoded(bytes);
  EXPECT_EQ(std::get<Md5Auth>(back.auth).auth_data_len, 16);
  EXPECT_EQ(std::get<Md5Auth>(back.auth).sequence, 0x01020304u);
  // The key is cut to 16 bytes, as FRR does.
  EXPECT_EQ(verify_auth(back, bytes, {config::AuthMode::md5, 7, "a-key-longer-than-sixteen"}),
            AuthError::none);
}

TEST(RipPacket, VerifyAuthModes) {
  const config::AuthConfig none{};
  const config::AuthConfig text{config::AuthMode::text, 0, "secret"};
  const config::AuthConfig md5{config::AuthMode::md5, 1, "secret"};
  const Packet plain = decoded(kFrrResponse);
  EXPECT_EQ(verify_auth(plain, kFrrResponse, none), AuthError::none);
  EXPECT_EQ(verify_auth(plain, kFrrResponse, text), AuthError::missing);
  EXPECT_EQ(verify_auth(plain, kFrrResponse, md5), AuthError::missing);
  const Packet with_text = decoded(kFrrTextResponse);
  EXPECT_EQ(verify_auth(with_text, kFrrTextResponse, none), AuthError::unexpected);
  EXPECT_EQ(verify_auth(with_text, kFrrTextResponse, md5), AuthError::wrong_type);
  const Packet with_md5 = decoded(kFrrMd5Response);
  EXPECT_EQ(verify_auth(with_md5, kFrrMd5Response, text), AuthError::wrong_type);
}

TEST(RipPacket, SpecificRequestRoundTrip) {
  Packet p;
  p.command = Command::request;
  p.entries = {route("198.19.224.2", 32, 0), route("198.19.224.3", 32, 16)};
  const auto bytes = encode(p);
  EXPECT_EQ(bytes, from_hex("01020000"
                            "00020000c613e002ffffffff0000000000000000"
                            "00020000c613e003ffffffff0000000000000010"));
  EXPECT_EQ(decoded(bytes), p);
}

TEST(RipPacket, MaxRoutesPerPacket) {
  EXPECT_EQ(max_routes_per_packet(config::AuthMode::none), 25u);
  EXPECT_EQ(max_routes_per_packet(config::AuthMode::text), 24u);
  EXPECT_EQ(max_routes_per_packet(config::AuthMode::md5), 23u);
}

TEST(RipPacket, RejectsBadLengths) {
  EXPECT_EQ(decode_error({}), DecodeError::too_short);
  EXPECT_EQ(decode_error(from_hex("02020000")), DecodeError::too_short);
  auto odd = kFrrResponse;
  odd.push_back(0);
  EXPECT_EQ(decode_error(odd), DecodeError::bad_length);
  Packet big;
  for (int i = 0; i < 26; ++i)
    big.entries.push_back(route("198.19.224.2", 32, 1));
  EXPECT_EQ(decode_error(encode(big)), DecodeError::bad_length);
  big.entries.pop_back();
  EXPECT_EQ(decoded(encode(big)).entries.size(), 25u);
}

TEST(RipPacket, RejectsBadHeader) {
  auto bytes = kFrrResponse;
  bytes[0] = 3;  // traceon, obsolete
  EXPECT_EQ(decode_error(bytes), DecodeError::bad_command);
  bytes = kFrrResponse;
  bytes[1] = 0;
  EXPECT_EQ(decode_error(bytes), DecodeError::bad_version);
}

TEST(RipPacket, RipV1MustBeZeroFields) {
  // A RIPv1 response for 198.18.1.0 (RFC 1058 format) decodes...
  const auto v1_ok = from_hex("0201000000020000c6120100000000000000000000000001");
  const Packet p = decoded(v1_ok);
  EXPECT_EQ(p.version, 1);
  EXPECT_EQ(p.entries[0].mask_length, 0);
  // ... but not with a mask, a route tag or a header field set.
  auto bad = v1_ok;
  bad[12] = 0xff;
  EXPECT_EQ(decode_error(bad), DecodeError::nonzero_field);
  bad = v1_ok;
  bad[7] = 1;
  EXPECT_EQ(decode_error(bad), DecodeError::nonzero_field);
  bad = v1_ok;
  bad[3] = 1;
  EXPECT_EQ(decode_error(bad), DecodeError::nonzero_field);
}

TEST(RipPacket, RejectsBadEntries) {
  auto bytes = kFrrResponse;
  bytes[5] = 10;  // AFI of entry 1
  EXPECT_EQ(decode_error(bytes), DecodeError::bad_afi);
  bytes = kFrrResponse;
  bytes[23] = 0;  // metric 0 in a response
  EXPECT_EQ(decode_error(bytes), DecodeError::bad_metric);
  bytes[23] = 17;
  EXPECT_EQ(decode_error(bytes), DecodeError::bad_metric);
  bytes = kFrrResponse;
  bytes[14] = 0x0f;  // mask 255.255.15.0
  EXPECT_EQ(decode_error(bytes), DecodeError::bad_mask);
  auto whole = kFrrRequest;
  whole[23] = 1;  // whole-table request must carry metric 16
  EXPECT_EQ(decode_error(whole), DecodeError::bad_metric);
}

TEST(RipPacket, RejectsBadAuthentication) {
  auto bytes = kFrrTextResponse;
  bytes[7] = 9;  // unknown authentication type
  EXPECT_EQ(decode_error(bytes), DecodeError::bad_auth);
  // An authentication entry anywhere but first.
  std::vector<std::uint8_t> late(kFrrResponse.begin(), kFrrResponse.begin() + 24);
  late.insert(late.end(), kFrrTextResponse.begin() + 4, kFrrTextResponse.begin() + 24);
  EXPECT_EQ(decode_error(late), DecodeError::bad_auth);
  bytes = kFrrMd5Response;
  bytes[9] = 0x40;  // packet length not where the trailer is
  EXPECT_EQ(decode_error(bytes), DecodeError::bad_auth);
  bytes = kFrrMd5Response;
  bytes[11] = 12;  // auth data length
  EXPECT_EQ(decode_error(bytes), DecodeError::bad_auth);
  bytes = kFrrMd5Response;
  bytes[87] = 2;  // trailer type
  EXPECT_EQ(decode_error(bytes), DecodeError::bad_auth);
  // Authentication and nothing else.
  std::vector<std::uint8_t> only(kFrrTextResponse.begin(), kFrrTextResponse.begin() + 24);
  EXPECT_EQ(decode_error(only), DecodeError::bad_auth);
}

// Every truncation of a valid packet of each kind (request, response, text
// and MD5 authentication, all captured from FRR) is an error, never a crash
// (the ASan build also checks libstdc++'s assertions). RIP has no length
// field: a cut at an entry boundary of an unauthenticated packet is a valid
// packet with fewer entries; an MD5 packet's length field makes any cut wrong.
TEST(RipPacket, EveryTruncationIsAnError) {
  for (const auto& packet : {kFrrRequest, kFrrResponse, kFrrTextResponse, kFrrMd5Response}) {
    const auto whole = decode(packet);
    ASSERT_TRUE(std::holds_alternative<Packet>(whole));
    const bool md5 = std::holds_alternative<Md5Auth>(std::get<Packet>(whole).auth);
    for (std::size_t n = 0; n < packet.size(); ++n) {
      const auto result = decode(std::span(packet).first(n));
      const bool whole_entries =
          n >= kHeaderSize + kEntrySize && (n - kHeaderSize) % kEntrySize == 0;
      if (whole_entries && !md5 && std::holds_alternative<Packet>(result)) {
        const auto& cut = std::get<Packet>(result);
        EXPECT_LT(cut.entries.size(), std::get<Packet>(whole).entries.size()) << n << " bytes";
        continue;
      }
      EXPECT_TRUE(std::holds_alternative<DecodeFailure>(result)) << n << " bytes";
    }
  }
}

}  // namespace
}  // namespace anycastd::rip
