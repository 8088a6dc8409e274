// SPDX-License-Identifier: Apache-2.0
// A NETLINK_ROUTE socket over libmnl: synchronous requests and dumps, and
// parsing of the address and link messages lib/kernel needs. Everything in
// here is blocking and local; the asynchronous monitor lives in
// AddressManager.
#pragma once

#include <libmnl/libmnl.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "util/prefix.hpp"

namespace anycastd::kernel {

// Big enough for any one datagram the kernel sends on NETLINK_ROUTE (it
// caps dump batches at 32 KiB); libmnl 1.0.4 has no MNL_SOCKET_DUMP_SIZE.
inline constexpr std::size_t kReceiveBufferSize = 32768;

class NetlinkSocket {
 public:
  // Opens and binds a NETLINK_ROUTE socket, joined to the multicast `groups`
  // (RTMGRP_* bits; 0 for a request socket). Throws std::runtime_error.
  explicit NetlinkSocket(unsigned groups = 0);

  int fd() const { return mnl_socket_get_fd(socket_.get()); }
  mnl_socket* get() const { return socket_.get(); }
  unsigned port_id() const { return port_id_; }

  // Sends `nlh` with NLM_F_ACK and waits for the kernel's answer. Returns 0 or
  // the positive errno the kernel reported.
  int request(nlmsghdr* nlh);

  // Sends a NLM_F_DUMP request and calls `on_message` for every message of the
  // answer. Returns 0 or a positive errno.
  int dump(nlmsghdr* nlh, const std::function<void(const nlmsghdr&)>& on_message);

 private:
  struct Closer {
    void operator()(mnl_socket* s) const { mnl_socket_close(s); }
  };
  int run(nlmsghdr* nlh, const std::function<void(const nlmsghdr&)>* on_message);

  std::unique_ptr<mnl_socket, Closer> socket_;
  unsigned port_id_ = 0;
  unsigned seq_ = 0;
};

// One RTM_NEWADDR/RTM_DELADDR message.
struct AddressMessage {
  std::uint16_t type = 0;         // RTM_NEWADDR or RTM_DELADDR
  std::uint32_t sender_port = 0;  // netlink port of the request that caused it, 0 for the kernel
  unsigned interface_index = 0;
  Prefix prefix;
};

// Decodes an address message; nullopt when it is truncated, of another
// type or family, or has no usable address attribute.
std::optional<AddressMessage> parse_address_message(const nlmsghdr& nlh);

// One RTM_NEWLINK message.
struct LinkMessage {
  unsigned interface_index = 0;
  unsigned flags = 0;  // IFF_*
  std::string name;
};
std::optional<LinkMessage> parse_link_message(const nlmsghdr& nlh);

}  // namespace anycastd::kernel
