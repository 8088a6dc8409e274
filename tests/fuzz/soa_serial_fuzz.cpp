// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: SOA serial extraction (soa_serial()) on arbitrary bytes
// as the answer to "home. SOA", and RFC 1982 serial_lag() on what it finds
// and on the input's first bytes: the lag of a serial to itself is 0, and
// of two serials at most one is behind the other.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "probe/dns_message.hpp"
#include "probe/soa_freshness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto query = anycastd::probe::DnsQuery::make("home.", 6);
  const auto serial = anycastd::probe::soa_serial(std::span(data, size), *query);
  std::uint32_t other = 0;
  for (std::size_t i = 0; i < 4 && i < size; ++i)
    other = other << 8 | data[i];
  const std::uint32_t local = serial.value_or(~other);
  if (anycastd::probe::serial_lag(local, local) != 0u) std::abort();
  const auto ahead = anycastd::probe::serial_lag(local, other);
  const auto behind = anycastd::probe::serial_lag(other, local);
  if (ahead.has_value() != behind.has_value()) std::abort();
  if (ahead && *ahead > 0 && *behind > 0) std::abort();
  anycastd::probe::SoaFreshness freshness(0, std::chrono::minutes(5), {});
  freshness.judge(local, other, "", std::chrono::steady_clock::time_point{});
  return 0;
}
