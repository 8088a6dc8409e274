// SPDX-License-Identifier: Apache-2.0
#include "kernel/address_manager.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <spdlog/spdlog.h>

namespace anycastd::kernel {

namespace {

constexpr int kMonitorReceiveBuffer = 1 << 20;

std::string errno_text(int error) {
  return std::strerror(error);
}

std::optional<LinkMessage> find_link(NetlinkSocket& socket, const std::string& name) {
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  auto* nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = RTM_GETLINK;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  std::optional<LinkMessage> found;
  const int error = socket.dump(nlh, [&](const nlmsghdr& message) {
    auto link = parse_link_message(message);
    if (link && link->name == name) found = std::move(link);
  });
  if (error != 0) throw std::runtime_error("cannot list network interfaces: " + errno_text(error));
  return found;
}

int create_dummy(NetlinkSocket& socket, const std::string& name) {
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  auto* nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = RTM_NEWLINK;
  nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  auto* linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "dummy");
  mnl_attr_nest_end(nlh, linkinfo);
  return socket.request(nlh);
}

int set_up(NetlinkSocket& socket, unsigned index) {
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  auto* nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = RTM_NEWLINK;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = static_cast<int>(index);
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return socket.request(nlh);
}

// Builds an RTM_NEWADDR/RTM_DELADDR request for a host route on `index`.
nlmsghdr* put_address(std::vector<char>& buffer, std::uint16_t type, std::uint16_t flags,
                      unsigned index, const Prefix& prefix) {
  auto* nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = prefix.address.is_v4() ? AF_INET : AF_INET6;
  ifa->ifa_prefixlen = prefix.length;
  // No duplicate address detection: every server holds this address on purpose.
  ifa->ifa_flags = prefix.address.is_v4() ? 0 : IFA_F_NODAD;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = index;
  const auto size = static_cast<std::uint16_t>(prefix.address.byte_size());
  mnl_attr_put(nlh, IFA_LOCAL, size, prefix.address.bytes.data());
  mnl_attr_put(nlh, IFA_ADDRESS, size, prefix.address.bytes.data());
  return nlh;
}

void dump_addresses(NetlinkSocket& socket, unsigned char family,
                    const std::function<void(const AddressMessage&)>& on_address) {
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  auto* nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = RTM_GETADDR;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = family;
  const int error = socket.dump(nlh, [&](const nlmsghdr& message) {
    if (auto address = parse_address_message(message)) on_address(*address);
  });
  if (error != 0) throw std::runtime_error("cannot list interface addresses: " + errno_text(error));
}

}  // namespace

AddressManager::AddressManager(boost::asio::io_context& io, std::string interface)
    : interface_(std::move(interface)), io_(io) {
  if (interface_.empty() || interface_.size() >= IFNAMSIZ)
    throw std::runtime_error("loopback interface name \"" + interface_ +
                             "\" is not a valid interface name (1 to 15 characters)");
  auto link = find_link(requests_, interface_);
  if (!link) {
    if (const int error = create_dummy(requests_, interface_); error != 0) {
      std::string hint = "create it (ip link add " + interface_ +
                         " type dummy) or set [loopback] interface = \"lo\"";
      if (error == EPERM) hint = "run with CAP_NET_ADMIN or " + hint;
      if (error == EOPNOTSUPP) hint = "the dummy kernel module is not available; " + hint;
      throw std::runtime_error("loopback interface " + interface_ +
                               " does not exist and creating it as a dummy interface failed: " +
                               errno_text(error) + "; " + hint);
    }
    link = find_link(requests_, interface_);
    if (!link)
      throw std::runtime_error("loopback interface " + interface_ +
                               " vanished right after it was created");
    spdlog::info("loopback: created dummy interface {}", interface_);
  }
  index_ = link->interface_index;
  if ((link->flags & IFF_UP) == 0) {
    if (const int error = set_up(requests_, index_); error != 0)
      throw std::runtime_error("cannot bring loopback interface " + interface_ +
                               " up: " + errno_text(error) +
                               (error == EPERM ? "; run with CAP_NET_ADMIN" : ""));
    spdlog::info("loopback: brought {} up", interface_);
  }
}

AddressManager::~AddressManager() {
  *alive_ = false;
  // The netlink socket owns the descriptor; the stream_descriptor only waits on it.
  if (monitor_fd_) monitor_fd_->release();
}

int AddressManager::add(const Prefix& prefix) {
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  return requests_.request(
      put_address(buffer, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, index_, prefix));
}

int AddressManager::del(const Prefix& prefix) {
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  return requests_.request(put_address(buffer, RTM_DELADDR, 0, index_, prefix));
}

std::vector<std::string> AddressManager::ensure(const std::vector<Prefix>& prefixes) {
  std::vector<std::string> errors;
  for (const auto& prefix : prefixes) {
    if (!prefix.is_host_route()) {
      errors.push_back(prefix.to_string() + ": not a host route (use /32 or /128)");
      continue;
    }
    if (const int error = add(prefix); error != 0) {
      errors.push_back(prefix.to_string() + ": cannot add to " + interface_ + ": " +
                       errno_text(error) + (error == EPERM ? " (needs CAP_NET_ADMIN)" : ""));
      continue;
    }
    if (wanted_.insert(prefix).second)
      spdlog::debug("loopback: {} present on {}", prefix.to_string(), interface_);
  }
  return errors;
}

void AddressManager::remove(const std::vector<Prefix>& prefixes) {
  for (const auto& prefix : prefixes) {
    wanted_.erase(prefix);
    const int error = del(prefix);
    if (error == 0) {
      spdlog::info("loopback: removed {} from {}", prefix.to_string(), interface_);
    } else if (error == EADDRNOTAVAIL || error == ENOENT) {
      spdlog::debug("loopback: {} was already gone from {}", prefix.to_string(), interface_);
    } else {
      spdlog::error("loopback: cannot remove {} from {}: {}", prefix.to_string(), interface_,
                    errno_text(error));
    }
  }
}

std::vector<Prefix> AddressManager::present() const {
  std::vector<Prefix> out;
  dump_addresses(requests_, AF_UNSPEC, [&](const AddressMessage& address) {
    if (address.interface_index == index_) out.push_back(address.prefix);
  });
  return out;
}

void AddressManager::start_monitor() {
  if (monitor_) return;
  monitor_ = std::make_unique<NetlinkSocket>(RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR);
  const int fd = monitor_->fd();
  // A bigger buffer makes an overrun (ENOBUFS, handled by resync) unlikely.
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kMonitorReceiveBuffer, sizeof kMonitorReceiveBuffer);
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
    throw std::runtime_error("cannot make the netlink monitor socket non-blocking: " +
                             errno_text(errno));
  monitor_fd_.emplace(io_, fd);
  // An address deleted before the monitor started is put back too.
  resync();
  wait_monitor();
}

void AddressManager::wait_monitor() {
  monitor_fd_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [this, alive = alive_](const boost::system::error_code& ec) {
                            if (!*alive || ec) return;
                            read_monitor();
                            wait_monitor();
                          });
}

void AddressManager::read_monitor() {
  std::vector<char> buffer(kReceiveBufferSize);
  for (;;) {
    const auto n = mnl_socket_recvfrom(monitor_->get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR || errno == ESRCH) continue;
      if (errno == ENOBUFS) {
        spdlog::warn("loopback: netlink monitor overrun; checking every address on {}", interface_);
        resync();
        continue;
      }
      spdlog::error("loopback: reading the netlink monitor failed: {}", errno_text(errno));
      return;
    }
    mnl_cb_run(
        buffer.data(), static_cast<std::size_t>(n), 0, 0,
        [](const nlmsghdr* nlh, void* data) {
          if (auto message = parse_address_message(*nlh))
            static_cast<AddressManager*>(data)->on_address_message(*message);
          return MNL_CB_OK;
        },
        this);
  }
}

void AddressManager::on_address_message(const AddressMessage& message) {
  if (message.type != RTM_DELADDR || message.interface_index != index_) return;
  // Our own remove() is not news.
  if (message.sender_port == requests_.port_id()) return;
  if (!wanted_.contains(message.prefix)) return;
  const auto text = message.prefix.to_string();
  if (const int error = add(message.prefix); error != 0) {
    spdlog::error("loopback: {} was removed from {} and cannot be added back: {}", text, interface_,
                  errno_text(error));
    return;
  }
  ++readded_;
  spdlog::warn("loopback: {} was removed from {} by someone else; added it back", text, interface_);
}

void AddressManager::resync() {
  const auto now = present();
  for (const auto& prefix : wanted_) {
    if (std::find(now.begin(), now.end(), prefix) != now.end()) continue;
    if (const int error = add(prefix); error != 0) {
      spdlog::error("loopback: {} is missing from {} and cannot be added back: {}",
                    prefix.to_string(), interface_, errno_text(error));
      continue;
    }
    ++readded_;
    spdlog::warn("loopback: {} was missing from {}; added it back", prefix.to_string(), interface_);
  }
}

std::optional<IpAddress> highest_ipv4_address(std::span<const Prefix> exclude) try {
  NetlinkSocket socket;
  std::set<unsigned> loopbacks;
  {
    std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
    auto* nlh = mnl_nlmsg_put_header(buffer.data());
    nlh->nlmsg_type = RTM_GETLINK;
    auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
    ifi->ifi_family = AF_UNSPEC;
    const int error = socket.dump(nlh, [&](const nlmsghdr& message) {
      auto link = parse_link_message(message);
      if (link && (link->flags & IFF_LOOPBACK)) loopbacks.insert(link->interface_index);
    });
    if (error != 0)
      throw std::runtime_error("cannot list network interfaces: " + errno_text(error));
  }
  std::optional<IpAddress> best;
  dump_addresses(socket, AF_INET, [&](const AddressMessage& message) {
    const auto& address = message.prefix.address;
    if (loopbacks.contains(message.interface_index)) return;
    if (address.bytes[0] == 127) return;
    const bool excluded = std::any_of(exclude.begin(), exclude.end(),
                                      [&](const Prefix& p) { return p.address == address; });
    if (excluded) return;
    if (!best || address.v4_value() > best->v4_value()) best = address;
  });
  return best;
} catch (const std::runtime_error& e) {
  spdlog::error("cannot find the host's IPv4 addresses: {}", e.what());
  return std::nullopt;
}

}  // namespace anycastd::kernel
