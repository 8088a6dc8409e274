// SPDX-License-Identifier: Apache-2.0
// Test vectors written as hex strings ("0202000000020000...").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace anycastd::test_vectors {

inline std::vector<std::uint8_t> from_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

}  // namespace anycastd::test_vectors
