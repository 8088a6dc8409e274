// libFuzzer target: decode_ntp() and evaluate_ntp_answer() on arbitrary
// bytes; the expected origin timestamp is taken from the input so the checks
// past it are reached, and a decoded packet must encode back to its header.
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
  const std::uint8_t max_stratum = size > 0 ? data[size - 1] : 15;
  anycastd::probe::evaluate_ntp_answer(wire, origin, max_stratum);
  if (packet) {
    const auto again = anycastd::probe::encode(*packet);
    if (!std::equal(again.begin(), again.end(), data)) std::abort();
  }
  return 0;
}
