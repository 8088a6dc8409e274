// SPDX-License-Identifier: Apache-2.0
#include "kernel/netlink.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <vector>

namespace anycastd::kernel {

namespace {

std::string errno_text(int error) {
  return std::strerror(error);
}

struct AttrTable {
  const nlattr* local = nullptr;
  const nlattr* address = nullptr;
  const nlattr* ifname = nullptr;
};

int collect_address_attr(const nlattr* attr, void* data) {
  auto* table = static_cast<AttrTable*>(data);
  if (mnl_attr_type_valid(attr, IFA_MAX) < 0) return MNL_CB_OK;
  switch (mnl_attr_get_type(attr)) {
    case IFA_LOCAL:
      table->local = attr;
      break;
    case IFA_ADDRESS:
      table->address = attr;
      break;
    default:
      break;
  }
  return MNL_CB_OK;
}

int collect_link_attr(const nlattr* attr, void* data) {
  auto* table = static_cast<AttrTable*>(data);
  if (mnl_attr_type_valid(attr, IFLA_MAX) < 0) return MNL_CB_OK;
  if (mnl_attr_get_type(attr) == IFLA_IFNAME && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
    table->ifname = attr;
  return MNL_CB_OK;
}

// Reads an address attribute of exactly the family's size.
std::optional<IpAddress> address_from(const nlattr* attr, Family family) {
  if (attr == nullptr) return std::nullopt;
  IpAddress a;
  a.family = family;
  if (mnl_attr_get_payload_len(attr) != a.byte_size()) return std::nullopt;
  std::memcpy(a.bytes.data(), mnl_attr_get_payload(attr), a.byte_size());
  return a;
}

int forward_message(const nlmsghdr* nlh, void* data) {
  const auto* on_message = static_cast<const std::function<void(const nlmsghdr&)>*>(data);
  (*on_message)(*nlh);
  return MNL_CB_OK;
}

}  // namespace

NetlinkSocket::NetlinkSocket(unsigned groups)
    : socket_(mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) {
  if (!socket_) throw std::runtime_error("cannot open a netlink socket: " + errno_text(errno));
  if (mnl_socket_bind(socket_.get(), groups, MNL_SOCKET_AUTOPID) < 0)
    throw std::runtime_error("cannot bind a netlink socket: " + errno_text(errno));
  port_id_ = mnl_socket_get_portid(socket_.get());
  seq_ = static_cast<unsigned>(std::time(nullptr));
}

int NetlinkSocket::request(nlmsghdr* nlh) {
  nlh->nlmsg_flags |= NLM_F_ACK;
  return run(nlh, nullptr);
}

int NetlinkSocket::dump(nlmsghdr* nlh, const std::function<void(const nlmsghdr&)>& on_message) {
  nlh->nlmsg_flags |= NLM_F_DUMP;
  return run(nlh, &on_message);
}

int NetlinkSocket::run(nlmsghdr* nlh, const std::function<void(const nlmsghdr&)>* on_message) {
  nlh->nlmsg_flags |= NLM_F_REQUEST;
  nlh->nlmsg_seq = ++seq_;
  if (mnl_socket_sendto(socket_.get(), nlh, nlh->nlmsg_len) < 0) return errno;
  std::vector<char> buffer(kReceiveBufferSize);
  for (;;) {
    const auto n = mnl_socket_recvfrom(socket_.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    const int ret = mnl_cb_run(buffer.data(), static_cast<std::size_t>(n), nlh->nlmsg_seq, port_id_,
                               on_message ? forward_message : nullptr,
                               const_cast<std::function<void(const nlmsghdr&)>*>(on_message));
    if (ret < 0) return errno;
    if (ret == MNL_CB_STOP) return 0;
  }
}

std::optional<AddressMessage> parse_address_message(const nlmsghdr& nlh) {
  if (nlh.nlmsg_type != RTM_NEWADDR && nlh.nlmsg_type != RTM_DELADDR) return std::nullopt;
  if (mnl_nlmsg_get_payload_len(&nlh) < sizeof(ifaddrmsg)) return std::nullopt;
  ifaddrmsg ifa;
  std::memcpy(&ifa, mnl_nlmsg_get_payload(&nlh), sizeof ifa);
  Family family;
  if (ifa.ifa_family == AF_INET) {
    family = Family::ipv4;
  } else if (ifa.ifa_family == AF_INET6) {
    family = Family::ipv6;
  } else {
    return std::nullopt;
  }
  AttrTable table;
  if (mnl_attr_parse(&nlh, sizeof(ifaddrmsg), collect_address_attr, &table) < 0)
    return std::nullopt;
  // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on a
  // point-to-point link and the only one IPv6 sends.
  auto address = address_from(table.local ? table.local : table.address, family);
  if (!address) return std::nullopt;
  Prefix prefix{*address, ifa.ifa_prefixlen};
  if (prefix.length > prefix.max_length()) return std::nullopt;
  return AddressMessage{nlh.nlmsg_type, nlh.nlmsg_pid, ifa.ifa_index, prefix};
}

std::optional<LinkMessage> parse_link_message(const nlmsghdr& nlh) {
  if (nlh.nlmsg_type != RTM_NEWLINK) return std::nullopt;
  if (mnl_nlmsg_get_payload_len(&nlh) < sizeof(ifinfomsg)) return std::nullopt;
  ifinfomsg ifi;
  std::memcpy(&ifi, mnl_nlmsg_get_payload(&nlh), sizeof ifi);
  AttrTable table;
  if (mnl_attr_parse(&nlh, sizeof(ifinfomsg), collect_link_attr, &table) < 0) return std::nullopt;
  LinkMessage link;
  link.interface_index = static_cast<unsigned>(ifi.ifi_index);
  link.flags = ifi.ifi_flags;
  if (table.ifname) link.name = mnl_attr_get_str(table.ifname);
  return link;
}

}  // namespace anycastd::kernel
