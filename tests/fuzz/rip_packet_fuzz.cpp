// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the RIPv2 decoder and authentication check. The first
// byte picks the configured authentication (none, text, md5) so one corpus
// exercises all three; seeds are in tests/fuzz/corpus/rip/.
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "auth_choice.hpp"
#include "rip/packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace anycastd;
  if (size == 0) return 0;
  const config::AuthConfig auth = fuzz::auth_choice(data[0]);
  const std::span<const std::uint8_t> bytes(data + 1, size - 1);
  const auto result = rip::decode(bytes);
  if (const auto* packet = std::get_if<rip::Packet>(&result)) {
    (void)rip::verify_auth(*packet, bytes, auth);
    // What decodes must encode back to the same bytes (the MD5 digest aside).
    const auto again = rip::encode(*packet, auth.key);
    if (again.size() != bytes.size()) __builtin_trap();
    const bool md5 = std::holds_alternative<rip::Md5Auth>(packet->auth);
    const std::size_t compared = md5 ? bytes.size() - 16 : bytes.size();
    for (std::size_t i = 0; i < compared; ++i) {
      // Not kept: the RIPv2 header's unused field and the MD5 entry's reserved bytes.
      if (i == 2 || i == 3 || (md5 && i >= 16 && i < 24)) continue;
      if (again[i] != bytes[i]) __builtin_trap();
    }
  }
  return 0;
}
