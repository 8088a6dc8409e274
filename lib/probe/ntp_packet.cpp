#include "probe/ntp_packet.hpp"

#include <string>

#include "util/buffer.hpp"

namespace anycastd::probe {
namespace {

// RFC 5905 §6: seconds from the NTP prime epoch (1900) to the Unix epoch (1970).
constexpr std::uint64_t kUnixEpochInNtp = 2'208'988'800;

// RFC 5905 §7.4: a kiss code is four ASCII characters in the reference ID.
std::string kiss_code(std::uint32_t reference_id) {
  std::string code;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const auto c = static_cast<char>(reference_id >> shift);
    if (c < 0x21 || c > 0x7e) return {};
    code += c;
  }
  return code;
}

}  // namespace

std::vector<std::uint8_t> encode(const NtpPacket& packet) {
  BufWriter w(kNtpHeaderSize);
  w.u8(static_cast<std::uint8_t>((packet.leap & 0x3) << 6 | (packet.version & 0x7) << 3 |
                                 (packet.mode & 0x7)));
  w.u8(packet.stratum);
  w.u8(static_cast<std::uint8_t>(packet.poll));
  w.u8(static_cast<std::uint8_t>(packet.precision));
  w.u32(packet.root_delay);
  w.u32(packet.root_dispersion);
  w.u32(packet.reference_id);
  w.u64(packet.reference_time);
  w.u64(packet.origin_time);
  w.u64(packet.receive_time);
  w.u64(packet.transmit_time);
  return w.take();
}

std::optional<NtpPacket> decode_ntp(std::span<const std::uint8_t> wire) {
  if (wire.size() < kNtpHeaderSize) return std::nullopt;
  BufReader r(wire);
  NtpPacket p;
  const std::uint8_t first = *r.u8();
  p.leap = static_cast<std::uint8_t>(first >> 6);
  p.version = static_cast<std::uint8_t>((first >> 3) & 0x7);
  p.mode = static_cast<std::uint8_t>(first & 0x7);
  p.stratum = *r.u8();
  p.poll = static_cast<std::int8_t>(*r.u8());
  p.precision = static_cast<std::int8_t>(*r.u8());
  p.root_delay = *r.u32();
  p.root_dispersion = *r.u32();
  p.reference_id = *r.u32();
  p.reference_time = *r.u64();
  p.origin_time = *r.u64();
  p.receive_time = *r.u64();
  p.transmit_time = *r.u64();
  return p;
}

std::uint64_t to_ntp_time(std::chrono::system_clock::time_point t) {
  const auto since_unix =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch());
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_unix);
  const auto nanos = static_cast<std::uint64_t>((since_unix - seconds).count());
  const auto ntp_seconds = static_cast<std::uint64_t>(seconds.count()) + kUnixEpochInNtp;
  const std::uint64_t fraction = (nanos << 32) / 1'000'000'000;
  return (ntp_seconds << 32) | fraction;
}

NtpPacket client_request(std::uint64_t transmit_time) {
  NtpPacket p;
  p.leap = 0;
  p.version = kNtpVersion;
  p.mode = kNtpModeClient;
  p.transmit_time = transmit_time;
  return p;
}

AnswerVerdict evaluate_ntp_answer(std::span<const std::uint8_t> wire, std::uint64_t transmit_time,
                                  std::uint8_t max_stratum) {
  const auto answer = decode_ntp(wire);
  if (!answer) {
    return {Verdict::fail, "short packet (" + std::to_string(wire.size()) + " bytes, need 48)"};
  }
  // RFC 5905 §8: a packet whose origin timestamp does not match our transmit
  // timestamp is bogus (a duplicate or an answer to an earlier request).
  if (answer->origin_time != transmit_time)
    return {Verdict::unrelated, "origin timestamp mismatch"};
  if (answer->mode != kNtpModeServer) {
    return {Verdict::fail, "mode " + std::to_string(answer->mode) + ", expected 4 (server)"};
  }
  if (answer->leap == kNtpLeapUnsynchronised) return {Verdict::fail, "LI=3 (unsynchronised)"};
  if (answer->stratum == 0) {
    const std::string code = kiss_code(answer->reference_id);
    return {Verdict::fail, "stratum 0 (kiss-o'-death" + (code.empty() ? "" : " " + code) + ")"};
  }
  if (answer->stratum > max_stratum) {
    return {Verdict::fail, "stratum " + std::to_string(answer->stratum) + " > max_stratum " +
                               std::to_string(max_stratum)};
  }
  return {Verdict::pass, "stratum " + std::to_string(answer->stratum)};
}

}  // namespace anycastd::probe
