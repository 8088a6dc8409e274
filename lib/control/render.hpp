// SPDX-License-Identifier: Apache-2.0
// The human form of `anycastctl status`, rendered from the status JSON
// (lib/control/PROTOCOL.md). Every key is optional: whatever is missing or
// of the wrong type is left out, never an error.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace anycastd::control {

// e.g.
//   anycastd 0.1.0, router-id 198.18.5.2, up 12s
//   SERVICE  STATE  ROUTE     PREFIXES         SINCE  REASON
//   dns      up     announce  198.19.224.2/32  10s    2 passes
//     check dns 198.19.224.2:53 test.home. A: pass, NOERROR in 0.4ms (10 ok, 0 failed)
//   rip: eth1 sent 10 received 4, neighbors 198.18.5.1
std::string render_status(const nlohmann::json& status);

// A duration for people: "42s", "3m07s", "5h02m", "2d03h".
std::string format_seconds(std::int64_t seconds);

}  // namespace anycastd::control
