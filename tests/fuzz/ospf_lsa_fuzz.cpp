// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the LSA decoder (router, network, summary, AS-external
// and opaque bodies) and the Fletcher checksum. The first byte is the LS type
// to try, written into the header, and the checksum is fixed up so the
// fuzzer reaches the body decoders; seeds are in tests/fuzz/corpus/ospf_lsa/.
#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

#include "ospf/lsa.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace anycastd;
  if (size < 1 + ospf::kLsaHeaderSize) return 0;
  std::vector<std::uint8_t> lsa(data + 1, data + size);
  // Types 1..5 and some unknown ones.
  lsa[3] = static_cast<std::uint8_t>(data[0] % 12);
  if (lsa.size() <= 0xffff) {
    const auto length = static_cast<std::uint16_t>(lsa.size());
    // Half the inputs keep their own length field, half get the true one.
    if (data[0] & 0x80) {
      lsa[18] = static_cast<std::uint8_t>(length >> 8);
      lsa[19] = static_cast<std::uint8_t>(length);
    }
  }
  if (lsa.size() >= ospf::kLsaHeaderSize) ospf::set_lsa_checksum(lsa);
  const auto result = ospf::decode_lsa(lsa);
  if (const auto* decoded = std::get_if<ospf::Lsa>(&result)) {
    // What decodes re-encodes to an LSA of the same length with a good
    // checksum that decodes to the same thing. (Reserved bytes, e.g. the one
    // after a router-LSA's flags, are not kept: LSAs are flooded as received.)
    const auto again = ospf::encode_lsa(*decoded);
    if (again.size() != decoded->header.length) __builtin_trap();
    if (!ospf::fletcher_ok(std::span(again).subspan(2))) __builtin_trap();
    const auto twice = ospf::decode_lsa(again);
    const auto* back = std::get_if<ospf::Lsa>(&twice);
    if (!back || back->body != decoded->body) __builtin_trap();
  }
  return 0;
}
