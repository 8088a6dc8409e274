// SPDX-License-Identifier: Apache-2.0
#include "probe/ntp_packet.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "util/buffer.hpp"

namespace anycastd::probe {
namespace {

// RFC 5905 §6: seconds from the NTP prime epoch (1900) to the Unix epoch (1970).
constexpr std::uint64_t kUnixEpochInNtp = 2'208'988'800;
constexpr double kNtpFractionScale = 4294967296.0;  // 2^32: 32.32 timestamps
constexpr double kNtpShortScale = 65536.0;          // 2^16: 16.16 short format
// RFC 5905 §7.2 and A.1.1: PHI, the frequency tolerance (15 ppm), and
// MINDISP, the least dispersion (5 ms).
constexpr double kNtpPhi = 15e-6;
constexpr double kNtpMinDispersion = 0.005;
// Our clock's precision in the dispersion: clock_gettime() reads to about a
// microsecond (2^-20 s).
const double kNtpLocalPrecision = std::ldexp(1.0, -20);

double short_seconds(std::uint32_t value) {
  return static_cast<double>(value) / kNtpShortScale;
}

double to_seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

// "12.3ms", "1.500s"
std::string format_seconds(double seconds) {
  if (seconds < 1.0) return fmt::format("{:.1f}ms", seconds * 1000.0);
  return fmt::format("{:.3f}s", seconds);
}

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

NtpSample ntp_sample(const NtpPacket& answer, std::uint64_t t1, std::uint64_t t4) {
  // Timestamp differences are taken modulo 2^64 and read as signed, which is
  // right across an era boundary as long as the clocks are within 68 years
  // (RFC 5905 §6).
  const auto seconds = [](std::uint64_t later, std::uint64_t earlier) {
    return static_cast<double>(static_cast<std::int64_t>(later - earlier)) / kNtpFractionScale;
  };
  const std::uint64_t t2 = answer.receive_time;
  const std::uint64_t t3 = answer.transmit_time;
  NtpSample s;
  s.offset = (seconds(t2, t1) + seconds(t3, t4)) / 2;
  s.delay = seconds(t4, t1) - seconds(t3, t2);
  // RFC 5905 A.5.1.1: a sample's dispersion is both precisions plus PHI times
  // the round trip; A.5.5.2 root_dist(): max(MINDISP, root delay + delay) / 2
  // + root dispersion + dispersion (no jitter from a single sample).
  const double dispersion = std::ldexp(1.0, answer.precision) + kNtpLocalPrecision +
                            kNtpPhi * std::max(0.0, seconds(t4, t1));
  s.root_distance = std::max(kNtpMinDispersion, short_seconds(answer.root_delay) + s.delay) / 2 +
                    short_seconds(answer.root_dispersion) + dispersion;
  return s;
}

std::string format_offset(double seconds) {
  if (std::fabs(seconds) < 1.0) return fmt::format("{:+.1f}ms", seconds * 1000.0);
  return fmt::format("{:+.3f}s", seconds);
}

AnswerVerdict evaluate_ntp_answer(std::span<const std::uint8_t> wire, std::uint64_t transmit_time,
                                  std::uint64_t receive_time, const NtpLimits& limits) {
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
  if (answer->stratum > limits.max_stratum) {
    return {Verdict::fail, "stratum " + std::to_string(answer->stratum) + " > max_stratum " +
                               std::to_string(limits.max_stratum)};
  }
  // RFC 5905 §8: a zero transmit timestamp is not a time the server keeps.
  if (answer->transmit_time == 0) return {Verdict::fail, "transmit timestamp zero"};

  const NtpSample sample = ntp_sample(*answer, transmit_time, receive_time);
  const std::string facts =
      fmt::format("stratum {}, offset {}, root distance {}", answer->stratum,
                  format_offset(sample.offset), format_seconds(sample.root_distance));
  if (sample.root_distance > to_seconds(limits.max_root_distance)) {
    return {Verdict::fail, fmt::format("{} > max_root_distance {}", facts,
                                       format_seconds(to_seconds(limits.max_root_distance)))};
  }
  if (limits.max_offset && std::fabs(sample.offset) > to_seconds(*limits.max_offset)) {
    return {Verdict::fail, fmt::format("{}: offset beyond max_offset {}", facts,
                                       format_seconds(to_seconds(*limits.max_offset)))};
  }
  return {Verdict::pass, facts};
}

}  // namespace anycastd::probe
