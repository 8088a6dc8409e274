// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the BFD Control packet decoder (RFC 5880 §4.1) and
// the SHA1 check; seeds are in tests/fuzz/corpus/bfd_packet/ (frr_*, bird_*
// and anycastd_* captured by tests/vectors/bfd_capture.py).
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "bfd/packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace anycastd;
  const std::span<const std::uint8_t> bytes(data, size);
  const auto result = bfd::decode(bytes);
  if (const auto* packet = std::get_if<bfd::ControlPacket>(&result)) {
    const bool sha1 = packet->auth && std::holds_alternative<bfd::DigestAuth>(*packet->auth);
    if (sha1) (void)bfd::sha1_digest_valid(bytes, "secret");
    // What decodes encodes back to the bytes up to Length, the digest's
    // reserved byte aside (ignored on receipt, sent as zero).
    const auto again = bfd::encode(*packet);
    if (again.size() != data[3]) __builtin_trap();
    for (std::size_t i = 0; i < again.size(); ++i) {
      if (sha1 && i == bfd::kHeaderSize + 3) continue;
      if (sha1 && i >= bfd::kHeaderSize + 8) break;  // encode() computes the SHA1 digest
      if (again[i] != bytes[i]) __builtin_trap();
    }
  }
  return 0;
}
