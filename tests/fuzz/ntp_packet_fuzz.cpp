// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: decode_ntp() and evaluate_ntp_answer() on arbitrary
// bytes; the expected origin timestamp is taken from the input so the checks
// past it are reached (the offset and root distance too), and a decoded
// packet must encode back to its header.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "probe/ntp_packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> wire(data, size);
  const auto packet = anycastd::probe::decode_ntp(wire);
  const std::uint64_t origin = packet ? packet->origin_time : 0;
  anycastd::probe::NtpLimits limits;
  limits.max_stratum = size > 0 ? data[size - 1] : 15;
  limits.max_offset = std::chrono::milliseconds(size > 1 ? data[size - 2] : 100);
  // Any receive time: the offset and delay arithmetic must hold for all.
  const std::uint64_t receive = packet ? packet->transmit_time ^ packet->reference_time : 0;
  anycastd::probe::evaluate_ntp_answer(wire, origin, receive, limits);
  if (packet) {
    const auto again = anycastd::probe::encode(*packet);
    if (!std::equal(again.begin(), again.end(), data)) std::abort();
  }
  return 0;
}
