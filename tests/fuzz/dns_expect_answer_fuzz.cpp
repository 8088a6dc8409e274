// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: expect_answer matching (evaluate_dns_answer() with
// expected records) on arbitrary bytes. The query type is the one of the
// answer's own question (A, AAAA, TXT, CNAME or NS by its low bits) and the
// ID is taken from the input, so the fuzzer reaches the record matching.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <utility>
#include <vector>

#include "probe/dns_message.hpp"

namespace {

using anycastd::probe::canonical_rdata;
using anycastd::probe::DnsExpectation;
using anycastd::probe::DnsQuery;

struct Case {
  std::uint16_t qtype;
  const char* expected;
};
// test.home. with one expected value of each matched type.
constexpr std::array<Case, 5> kCases = {{{1, "198.18.100.1"},
                                         {28, "2001:db8::1"},
                                         {16, "v=spf1 -all"},
                                         {5, "web.test.home."},
                                         {2, "ns1.test.home."}}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto cases = [] {
    std::vector<std::pair<DnsQuery, DnsExpectation>> out;
    for (const Case& c : kCases) {
      DnsExpectation expect;
      const auto canonical = canonical_rdata(c.qtype, c.expected);
      if (!canonical) std::abort();
      expect.answers.push_back(*canonical);
      out.emplace_back(std::move(*DnsQuery::make("test.home.", c.qtype)), std::move(expect));
    }
    return out;
  }();
  // The QTYPE's low byte, where a one-question answer has it (offset 12 +
  // "test.home." 11 + 1), picks the case; any other input picks case 0.
  const std::size_t pick = size > 24 ? data[24] % kCases.size() : 0;
  auto& [query, expect] = cases[pick];
  if (size >= 2) query.set_id(static_cast<std::uint16_t>(data[0] << 8 | data[1]));
  anycastd::probe::evaluate_dns_answer(std::span(data, size), query, expect);
  return 0;
}
