// SPDX-License-Identifier: Apache-2.0
#include "probe/http_response.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace anycastd::probe {

AnswerVerdict evaluate_http_response(unsigned status, std::string_view body,
                                     std::span<const std::uint16_t> expect_status,
                                     std::string_view expect_body) {
  if (std::find(expect_status.begin(), expect_status.end(), status) == expect_status.end()) {
    std::string expected;
    for (const auto code : expect_status)
      expected += fmt::format("{}{}", expected.empty() ? "" : " or ", code);
    return {Verdict::fail, fmt::format("HTTP {}, expected {}", status, expected)};
  }
  if (!expect_body.empty() &&
      body.substr(0, kHttpBodyLimit).find(expect_body) == std::string_view::npos) {
    return {Verdict::fail, fmt::format("HTTP {}, body ({} bytes) lacks \"{}\"", status,
                                       std::min(body.size(), kHttpBodyLimit), expect_body)};
  }
  return {Verdict::pass, fmt::format("HTTP {}", status)};
}

}  // namespace anycastd::probe
