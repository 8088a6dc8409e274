// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the OSPFv2 packet decoder and authentication check.
// The first byte picks the interface's authentication (none, text, md5) so
// one corpus exercises all three; seeds are in tests/fuzz/corpus/ospf_packet/.
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "auth_choice.hpp"
#include "ospf/packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace anycastd;
  if (size == 0) return 0;
  const config::AuthConfig auth = fuzz::auth_choice(data[0]);
  const std::span<const std::uint8_t> bytes(data + 1, size - 1);
  const auto result = ospf::decode(bytes);
  if (const auto* packet = std::get_if<ospf::Packet>(&result)) {
    (void)ospf::verify_auth(*packet, bytes, auth, 0);
    // What decodes re-encodes to the same body: bytes 24..length.
    const std::size_t length = std::size_t{bytes[2]} << 8 | bytes[3];
    const auto again = ospf::encode(*packet, ospf::Authenticator{{}, 0});
    if (again.size() != length) __builtin_trap();
    for (std::size_t i = ospf::kHeaderSize; i < length; ++i) {
      if (again[i] != bytes[i]) __builtin_trap();
    }
    if (const auto* lsu = std::get_if<ospf::LinkStateUpdate>(&packet->body)) {
      for (const auto& lsa : lsu->lsas)
        (void)ospf::decode_lsa(lsa);
    }
  }
  return 0;
}
