// SPDX-License-Identifier: Apache-2.0
// Packet authentication settings shared by RIP and OSPF:
// { mode = "text"|"md5", key_id = N, key = "..." }.
#pragma once

#include <cstdint>
#include <string>

namespace anycastd::config {

enum class AuthMode : std::uint8_t { none, text, md5 };

struct AuthConfig {
  AuthMode mode = AuthMode::none;
  std::uint8_t key_id = 0;
  std::string key;
  bool operator==(const AuthConfig&) const = default;
};

}  // namespace anycastd::config
