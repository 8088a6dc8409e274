// SPDX-License-Identifier: Apache-2.0
#include "probe/cert_expiry.hpp"

#include <fmt/format.h>

namespace anycastd::probe {
namespace {

using Days = std::chrono::duration<std::int64_t, std::ratio<86400>>;
using std::chrono::duration_cast;

// "89d", "5h", "12m": the largest whole unit.
std::string format_left(std::chrono::system_clock::duration d) {
  if (d >= Days(1)) return fmt::format("{}d", duration_cast<Days>(d).count());
  if (d >= std::chrono::hours(1))
    return fmt::format("{}h", duration_cast<std::chrono::hours>(d).count());
  return fmt::format("{}m", duration_cast<std::chrono::minutes>(d).count());
}

}  // namespace

AnswerVerdict evaluate_cert_expiry(std::chrono::system_clock::time_point not_after,
                                   std::chrono::system_clock::time_point now,
                                   std::uint32_t min_days) {
  if (not_after <= now) {
    return {Verdict::fail, "certificate expired " + format_left(now - not_after) + " ago"};
  }
  const auto left = not_after - now;
  if (left < Days(min_days)) {
    return {Verdict::fail, fmt::format("certificate expires in {} (cert_min_days {})",
                                       format_left(left), min_days)};
  }
  return {Verdict::pass, "certificate valid " + format_left(left)};
}

}  // namespace anycastd::probe
