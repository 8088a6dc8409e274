// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the BGP message decoder: header checks and every
// message type. The first byte picks the session context (4-octet AS or not,
// external or internal peer); what decodes must encode and decode back to the
// same value. Seeds: tests/fuzz/corpus/bgp_message/ (FRR captures, our own).
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "bgp/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace anycastd::bgp;
  if (size == 0) return 0;
  const SessionContext context{(data[0] & 1) != 0, (data[0] & 2) != 0, (data[0] & 4) ? 65001u : 0};
  const std::span<const std::uint8_t> bytes(data + 1, size - 1);
  const auto result = decode_message(bytes, context);
  const auto* message = std::get_if<Message>(&result);
  if (!message) return 0;
  const auto again = std::visit(
      [&](const auto& m) -> std::vector<std::uint8_t> {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Keepalive>) {
          return encode_keepalive();
        } else if constexpr (std::is_same_v<T, Update>) {
          return encode(m, context);
        } else {
          return encode(m);
        }
      },
      *message);
  if (again.size() > kMaxMessageSize) return 0;
  const auto back = decode_message(again, context);
  const auto* message2 = std::get_if<Message>(&back);
  if (!message2 || !(*message2 == *message)) __builtin_trap();
  return 0;
}
