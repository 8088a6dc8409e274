// SPDX-License-Identifier: Apache-2.0
// The http check's verdict on a response (status line and the start of the
// body), apart from Beast's parsing so that it is tested on plain values.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "probe/verdict.hpp"

namespace anycastd::probe {

// How much of a body expect_body searches; the rest is not read.
inline constexpr std::size_t kHttpBodyLimit = 64 * 1024;

// Passes when `status` is one of `expect_status` and, if `expect_body` is
// not empty, `body` (the first kHttpBodyLimit bytes) contains it.
AnswerVerdict evaluate_http_response(unsigned status, std::string_view body,
                                     std::span<const std::uint16_t> expect_status,
                                     std::string_view expect_body);

}  // namespace anycastd::probe
