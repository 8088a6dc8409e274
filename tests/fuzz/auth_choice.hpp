// SPDX-License-Identifier: Apache-2.0
// For the RIP and OSPF packet targets: the input's first byte picks the
// configured authentication (none, text, md5), so one corpus exercises all three.
#pragma once

#include <cstdint>

#include "config/config.hpp"

namespace anycastd::fuzz {

inline config::AuthConfig auth_choice(std::uint8_t selector) {
  switch (selector % 3) {
    case 0:
      return {config::AuthMode::none, 0, ""};
    case 1:
      return {config::AuthMode::text, 0, "secret"};
    default:
      return {config::AuthMode::md5, 1, "secret"};
  }
}

}  // namespace anycastd::fuzz
