// SPDX-License-Identifier: Apache-2.0
// NTPv4 packet header (RFC 5905 §7.3) and the client check on a server's
// answer. Pure: no sockets, so it is tested and fuzzed on byte vectors.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "probe/verdict.hpp"

namespace anycastd::probe {

inline constexpr std::size_t kNtpHeaderSize = 48;  // RFC 5905 §7.3, without extensions or MAC

// RFC 5905 §7.3 leap indicator and mode values used by the check.
inline constexpr std::uint8_t kNtpLeapUnsynchronised = 3;
inline constexpr std::uint8_t kNtpModeClient = 3;
inline constexpr std::uint8_t kNtpModeServer = 4;
inline constexpr std::uint8_t kNtpVersion = 4;

struct NtpPacket {
  std::uint8_t leap = 0;     // LI, 2 bits
  std::uint8_t version = 0;  // VN, 3 bits
  std::uint8_t mode = 0;     // 3 bits
  std::uint8_t stratum = 0;
  std::int8_t poll = 0;
  std::int8_t precision = 0;
  std::uint32_t root_delay = 0;       // NTP short format (RFC 5905 §6)
  std::uint32_t root_dispersion = 0;  // NTP short format
  std::uint32_t reference_id = 0;
  std::uint64_t reference_time = 0;  // NTP timestamp format: 32.32 seconds since 1900
  std::uint64_t origin_time = 0;
  std::uint64_t receive_time = 0;
  std::uint64_t transmit_time = 0;

  bool operator==(const NtpPacket&) const = default;
};

std::vector<std::uint8_t> encode(const NtpPacket& packet);
// nullopt when shorter than the 48-byte header; extension fields and MAC are ignored.
std::optional<NtpPacket> decode_ntp(std::span<const std::uint8_t> wire);

// RFC 5905 §6: the 64-bit timestamp (era number dropped) of `t`.
std::uint64_t to_ntp_time(std::chrono::system_clock::time_point t);

// A client request (LI=0, VN=4, Mode=3) carrying `transmit_time`, which the
// server echoes as its origin timestamp (RFC 5905 §8).
NtpPacket client_request(std::uint64_t transmit_time);

// What one exchange says about the server's clock (RFC 5905 §8), in seconds.
struct NtpSample {
  double offset = 0;         // theta = ((T2 - T1) + (T3 - T4)) / 2
  double delay = 0;          // delta = (T4 - T1) - (T3 - T2)
  double root_distance = 0;  // lambda, RFC 5905 A.5.5.2 root_dist() for this one sample
};

// The sample of `answer` to a request sent at `t1` (our transmit timestamp)
// and received at `t4` (our clock).
NtpSample ntp_sample(const NtpPacket& answer, std::uint64_t t1, std::uint64_t t4);

struct NtpLimits {
  std::uint8_t max_stratum = 15;
  std::optional<std::chrono::nanoseconds> max_offset;  // unset: the offset is not judged
  std::chrono::nanoseconds max_root_distance = std::chrono::milliseconds(1500);
};

// Judges `wire` as the answer to a request sent with `transmit_time` and
// received at `receive_time` (both our clock, NTP timestamp format):
//  - shorter than 48 bytes: fail;
//  - origin timestamp is not ours: unrelated (RFC 5905 §8, "bogus packet");
//  - not server mode, LI=3, stratum 0 (kiss-o'-death) or > max_stratum,
//    transmit timestamp zero: fail;
//  - root distance above max_root_distance, |offset| above max_offset: fail;
//  - otherwise pass.
AnswerVerdict evaluate_ntp_answer(std::span<const std::uint8_t> wire, std::uint64_t transmit_time,
                                  std::uint64_t receive_time, const NtpLimits& limits);

// "+1.2ms", "-2.000s"
std::string format_offset(double seconds);

}  // namespace anycastd::probe
