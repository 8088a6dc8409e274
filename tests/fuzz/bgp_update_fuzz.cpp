// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for UPDATE bodies and path attributes with RFC 7606 error
// handling. The first byte picks the session context; an UPDATE that is
// usable (no session reset) must survive encode and decode unchanged.
// Seeds: tests/fuzz/corpus/bgp_update/.
#include <cstddef>
#include <cstdint>
#include <span>

#include "bgp/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace anycastd::bgp;
  if (size == 0) return 0;
  const SessionContext context{(data[0] & 1) != 0, (data[0] & 2) != 0, (data[0] & 4) ? 65001u : 0};
  const auto d = decode_update(std::span(data + 1, size - 1), context);
  if (d.action == ErrorAction::session_reset) {
    if (d.notification.code != error::kUpdate) __builtin_trap();
    return 0;
  }
  const auto bytes = encode(d.update, context);
  if (bytes.size() > kMaxMessageSize) return 0;
  const auto again = decode_update(std::span(bytes).subspan(kHeaderSize), context);
  if (again.action == ErrorAction::session_reset || !(again.update == d.update)) __builtin_trap();
  return 0;
}
