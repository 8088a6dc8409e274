// SPDX-License-Identifier: Apache-2.0
#include "bfd/packet.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/buffer.hpp"
#include "util/overloaded.hpp"

namespace anycastd::bfd {

namespace {

constexpr std::size_t kDigestOffset = kHeaderSize + 8;  // type, len, key id, reserved, sequence

DecodeFailure fail(DecodeError error, std::string message) {
  return DecodeFailure{error, std::move(message)};
}

std::optional<DecodeFailure> decode_auth(BufReader& r, ControlPacket& out) {
  const auto type = r.u8();
  const auto len = r.u8();
  const auto key_id = r.u8();
  if (!r.ok()) return fail(DecodeError::bad_auth, "authentication section shorter than 3 bytes");
  // §6.8.6: Auth Len must fit in the packet (checked against Length by the caller).
  if (*len != r.remaining() + 3) {
    return fail(DecodeError::bad_auth, fmt::format("Auth Len {} does not match the {} bytes left",
                                                   *len, r.remaining() + 3));
  }
  switch (*type) {
    case static_cast<std::uint8_t>(AuthType::simple_password): {
      // §4.2: "The password ... MUST be from 1 to 16 bytes in length".
      if (*len < 4 || *len > 3 + kMaxPasswordSize) {
        return fail(DecodeError::bad_auth, fmt::format("password Auth Len {}", *len));
      }
      const auto password = r.bytes(*len - 3);
      out.auth = PasswordAuth{*key_id, std::string(password->begin(), password->end())};
      return std::nullopt;
    }
    case static_cast<std::uint8_t>(AuthType::keyed_md5):
    case static_cast<std::uint8_t>(AuthType::meticulous_keyed_md5):
    case static_cast<std::uint8_t>(AuthType::keyed_sha1):
    case static_cast<std::uint8_t>(AuthType::meticulous_keyed_sha1): {
      // §4.3: Auth Len 24 for MD5; §4.4: 28 for SHA1.
      const bool md5 = *type <= static_cast<std::uint8_t>(AuthType::meticulous_keyed_md5);
      const std::size_t want = md5 ? 24 : kSha1AuthSize;
      if (*len != want) {
        return fail(DecodeError::bad_auth,
                    fmt::format("Auth Type {} with Auth Len {}, not {}", *type, *len, want));
      }
      r.skip(1);  // Reserved: "MUST be ... ignored on receipt"
      const auto sequence = r.u32();
      const auto digest = r.bytes(want - 8);
      out.auth = DigestAuth{static_cast<AuthType>(*type), *key_id, *sequence,
                            std::vector<std::uint8_t>(digest->begin(), digest->end())};
      return std::nullopt;
    }
    default:
      return fail(DecodeError::bad_auth, fmt::format("unknown Auth Type {}", *type));
  }
}

Sha1Digest sha1_over(std::span<const std::uint8_t> bytes, std::string_view key) {
  std::array<std::uint8_t, kSha1KeySize> padded{};
  std::copy_n(key.begin(), std::min(key.size(), padded.size()), padded.begin());
  Sha1 sha1;
  sha1.update(bytes.first(kDigestOffset));
  sha1.update(padded);
  sha1.update(bytes.subspan(kDigestOffset + kSha1KeySize));
  return sha1.finish();
}

}  // namespace

DecodeResult decode(std::span<const std::uint8_t> bytes) {
  BufReader r(bytes);
  const auto vers_diag = r.u8();
  const auto flags = r.u8();
  const auto detect_mult = r.u8();
  const auto length = r.u8();
  const auto my = r.u32();
  const auto your = r.u32();
  const auto tx = r.u32();
  const auto rx = r.u32();
  const auto echo = r.u32();
  if (!r.ok()) {
    return fail(DecodeError::truncated, fmt::format("{} bytes, shorter than the {}-byte header",
                                                    bytes.size(), kHeaderSize));
  }
  // RFC 5880 §6.8.6: "If the version number is not correct (1), the packet MUST be discarded."
  if ((*vers_diag >> 5) != kVersion) {
    return fail(DecodeError::bad_version, fmt::format("version {}", *vers_diag >> 5));
  }
  const bool authenticated = (*flags & 0x04) != 0;
  // "If the Length field is less than the minimum correct value (24 if the A
  // bit is clear, or 26 if the A bit is set), the packet MUST be discarded."
  if (*length < (authenticated ? 26 : 24)) {
    return fail(DecodeError::bad_length, fmt::format("Length {}", *length));
  }
  // "If the Length field is greater than the payload of the encapsulating
  // protocol, the packet MUST be discarded."
  if (*length > bytes.size()) {
    return fail(DecodeError::truncated,
                fmt::format("Length {} but {} bytes received", *length, bytes.size()));
  }
  // "If the Detect Mult field is zero, the packet MUST be discarded."
  if (*detect_mult == 0) return fail(DecodeError::bad_detect_mult, "Detect Mult 0");
  // "If the Multipoint (M) bit is nonzero, the packet MUST be discarded."
  if ((*flags & 0x01) != 0) return fail(DecodeError::multipoint, "M bit set");
  // "If the My Discriminator field is zero, the packet MUST be discarded."
  if (*my == 0) return fail(DecodeError::bad_discriminator, "My Discriminator 0");
  ControlPacket out;
  out.diag = static_cast<Diag>(*vers_diag & 0x1f);
  out.state = static_cast<State>(*flags >> 6);
  // "If the Your Discriminator field is zero and the State field is not Down
  // or AdminDown, the packet MUST be discarded."
  if (*your == 0 && out.state != State::down && out.state != State::admin_down) {
    return fail(DecodeError::bad_discriminator,
                fmt::format("Your Discriminator 0 in state {}", to_string(out.state)));
  }
  out.poll = (*flags & 0x20) != 0;
  out.final = (*flags & 0x10) != 0;
  out.control_plane_independent = (*flags & 0x08) != 0;
  out.demand = (*flags & 0x02) != 0;
  out.detect_mult = *detect_mult;
  out.my_discriminator = *my;
  out.your_discriminator = *your;
  out.desired_min_tx_us = *tx;
  out.required_min_rx_us = *rx;
  out.required_min_echo_rx_us = *echo;
  if (authenticated) {
    BufReader auth(bytes.subspan(kHeaderSize, *length - kHeaderSize));
    if (auto failure = decode_auth(auth, out)) return *failure;
  } else if (*length != kHeaderSize) {
    return fail(DecodeError::bad_length, fmt::format("Length {} without the A bit", *length));
  }
  return out;
}

std::vector<std::uint8_t> encode(const ControlPacket& packet, std::string_view key) {
  BufWriter w(kHeaderSize + kSha1AuthSize);
  w.u8(
      static_cast<std::uint8_t>((kVersion << 5) | (static_cast<std::uint8_t>(packet.diag) & 0x1f)));
  w.u8(static_cast<std::uint8_t>((static_cast<std::uint8_t>(packet.state) << 6) |
                                 (packet.poll ? 0x20 : 0) | (packet.final ? 0x10 : 0) |
                                 (packet.control_plane_independent ? 0x08 : 0) |
                                 (packet.auth ? 0x04 : 0) | (packet.demand ? 0x02 : 0)));
  w.u8(packet.detect_mult);
  w.u8(0);  // Length, below
  w.u32(packet.my_discriminator);
  w.u32(packet.your_discriminator);
  w.u32(packet.desired_min_tx_us);
  w.u32(packet.required_min_rx_us);
  w.u32(packet.required_min_echo_rx_us);
  bool sha1 = false;
  if (packet.auth) {
    std::visit(Overloaded{
                   [&](const PasswordAuth& a) {
                     w.u8(static_cast<std::uint8_t>(AuthType::simple_password));
                     w.u8(static_cast<std::uint8_t>(3 + a.password.size()));
                     w.u8(a.key_id);
                     w.bytes(std::span(reinterpret_cast<const std::uint8_t*>(a.password.data()),
                                       a.password.size()));
                   },
                   [&](const DigestAuth& a) {
                     w.u8(static_cast<std::uint8_t>(a.type));
                     w.u8(static_cast<std::uint8_t>(8 + a.digest.size()));
                     w.u8(a.key_id);
                     w.u8(0);
                     w.u32(a.sequence);
                     w.bytes(a.digest);
                     sha1 = a.type == AuthType::keyed_sha1 ||
                            a.type == AuthType::meticulous_keyed_sha1;
                   },
               },
               *packet.auth);
  }
  auto bytes = w.take();
  bytes[3] = static_cast<std::uint8_t>(bytes.size());
  if (sha1 && bytes.size() == kHeaderSize + kSha1AuthSize) {
    const auto digest = sha1_over(bytes, key);
    std::copy(digest.begin(), digest.end(), bytes.begin() + kDigestOffset);
  }
  return bytes;
}

bool sha1_digest_valid(std::span<const std::uint8_t> bytes, std::string_view key) {
  if (bytes.size() < kHeaderSize + kSha1AuthSize) return false;
  const auto want = sha1_over(bytes.first(kHeaderSize + kSha1AuthSize), key);
  return std::equal(want.begin(), want.end(), bytes.begin() + kDigestOffset);
}

std::string_view to_string(DecodeError error) {
  switch (error) {
    case DecodeError::truncated:
      return "truncated";
    case DecodeError::bad_version:
      return "bad_version";
    case DecodeError::bad_length:
      return "bad_length";
    case DecodeError::bad_detect_mult:
      return "bad_detect_mult";
    case DecodeError::multipoint:
      return "multipoint";
    case DecodeError::bad_discriminator:
      return "bad_discriminator";
    case DecodeError::bad_auth:
      return "bad_auth";
  }
  return "?";
}

std::string_view to_string(State state) {
  switch (state) {
    case State::admin_down:
      return "AdminDown";
    case State::down:
      return "Down";
    case State::init:
      return "Init";
    case State::up:
      return "Up";
  }
  return "?";
}

std::string_view to_string(Diag diag) {
  switch (diag) {
    case Diag::none:
      return "none";
    case Diag::control_detection_time_expired:
      return "control_detection_time_expired";
    case Diag::echo_function_failed:
      return "echo_function_failed";
    case Diag::neighbor_signaled_session_down:
      return "neighbor_signaled_session_down";
    case Diag::forwarding_plane_reset:
      return "forwarding_plane_reset";
    case Diag::path_down:
      return "path_down";
    case Diag::concatenated_path_down:
      return "concatenated_path_down";
    case Diag::administratively_down:
      return "administratively_down";
    case Diag::reverse_concatenated_path_down:
      return "reverse_concatenated_path_down";
  }
  return "unknown";
}

}  // namespace anycastd::bfd
