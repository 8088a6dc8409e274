// SPDX-License-Identifier: Apache-2.0
#include "session/datagram.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

namespace anycastd::session {

std::optional<Datagram> receive_datagram(int fd, std::size_t max) {
  std::vector<std::uint8_t> buffer(max);
  sockaddr_in source{};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in_pktinfo)) + CMSG_SPACE(sizeof(int))>
      control{};
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_name = &source;
  msg.msg_namelen = sizeof source;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  const ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n < 0) return std::nullopt;
  Datagram out;
  buffer.resize(static_cast<std::size_t>(n));
  out.bytes = std::move(buffer);
  out.source = IpAddress::v4(ntohl(source.sin_addr.s_addr));
  out.source_port = ntohs(source.sin_port);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != IPPROTO_IP) continue;
    if (c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info{};
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      out.interface = static_cast<unsigned>(info.ipi_ifindex);
    } else if (c->cmsg_type == IP_TTL) {
      int ttl = 0;
      std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      out.ttl = ttl;
    }
  }
  return out;
}

}  // namespace anycastd::session
