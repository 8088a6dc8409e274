// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: evaluate_dns_answer() on arbitrary bytes, as if they were
// the answer to "test.home. A" whose ID is taken from the input itself, so
// the fuzzer reaches the checks past the ID comparison.
#include <cstddef>
#include <cstdint>
#include <span>

#include "probe/dns_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto query = anycastd::probe::DnsQuery::make("test.home.", 1);
  if (size >= 2) query->set_id(static_cast<std::uint16_t>(data[0] << 8 | data[1]));
  const std::uint8_t expect_rcode = size >= 4 ? (data[3] & 0x0f) : 0;
  anycastd::probe::evaluate_dns_answer(std::span(data, size), *query,
                                       anycastd::probe::DnsExpectation{expect_rcode, {}});
  return 0;
}
