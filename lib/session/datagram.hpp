// SPDX-License-Identifier: Apache-2.0
// One UDP datagram read from a non-blocking IPv4 socket with recvmsg(), with
// what the kernel says of it in control messages: the arrival interface
// (IP_PKTINFO) and the TTL (IP_RECVTTL), where the socket asked for them.
// Shared by the UDP protocols (RIP, BFD).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "util/prefix.hpp"

namespace anycastd::session {

struct Datagram {
  std::vector<std::uint8_t> bytes;  // cut at `max` bytes
  IpAddress source;
  std::uint16_t source_port = 0;
  std::optional<unsigned> interface;  // kernel ifindex, with IP_PKTINFO
  std::optional<int> ttl;             // with IP_RECVTTL
};

// The next datagram waiting on `fd`, or nullopt when none is (errno tells:
// EAGAIN/EWOULDBLOCK when the socket is drained, anything else is an error).
std::optional<Datagram> receive_datagram(int fd, std::size_t max);

}  // namespace anycastd::session
