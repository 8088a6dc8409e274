// SPDX-License-Identifier: Apache-2.0
// What a protocol session needs to know of one of the host's interfaces:
// its index, primary IPv4 address and MTU (RIP, OSPF and BFD run on them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace anycastd::kernel {

struct InterfaceAddress {
  std::string name;
  unsigned index = 0;         // kernel ifindex
  std::uint32_t address = 0;  // primary IPv4 address, host order
  std::uint8_t prefix_length = 32;
  std::uint16_t mtu = 1500;
};

// The interface `name` with its first IPv4 address. Throws
// std::runtime_error naming the interface when it does not exist or has no
// IPv4 address; `who` starts the message ("rip", "ospf").
InterfaceAddress lookup_interface(const std::string& name, const std::string& who);

}  // namespace anycastd::kernel
