// SPDX-License-Identifier: Apache-2.0
// cert_min_days: the verdict on a TLS server certificate's notAfter. Pure,
// so the threshold is tested without a server.
#pragma once

#include <chrono>
#include <cstdint>

#include "probe/verdict.hpp"

namespace anycastd::probe {

// Fails when `not_after` is less than `min_days` days after `now` (or has
// passed); the detail says how long is left, e.g. "certificate valid 89d".
AnswerVerdict evaluate_cert_expiry(std::chrono::system_clock::time_point not_after,
                                   std::chrono::system_clock::time_point now,
                                   std::uint32_t min_days);

}  // namespace anycastd::probe
