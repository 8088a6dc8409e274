// SPDX-License-Identifier: Apache-2.0
#include "kernel/interfaces.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace anycastd::kernel {

namespace {

[[noreturn]] void fail(const std::string& who, const std::string& name, const char* what,
                       int error) {
  throw std::runtime_error(who + ": interface " + name + ": " + what + ": " + std::strerror(error));
}

std::optional<std::uint16_t> interface_mtu(const std::string& name) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  ifreq req{};
  std::strncpy(req.ifr_name, name.c_str(), IFNAMSIZ - 1);
  const bool ok = ioctl(fd, SIOCGIFMTU, &req) == 0 && req.ifr_mtu > 0;
  ::close(fd);
  if (!ok) return std::nullopt;
  return static_cast<std::uint16_t>(std::min(req.ifr_mtu, 65535));
}

}  // namespace

InterfaceAddress lookup_interface(const std::string& name, const std::string& who) {
  InterfaceAddress info;
  info.name = name;
  info.index = if_nametoindex(name.c_str());
  if (info.index == 0) {
    throw std::runtime_error(who + ": interface " + name +
                             " does not exist; check the interface names in the config");
  }
  if (const auto mtu = interface_mtu(name)) info.mtu = *mtu;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) fail(who, name, "getifaddrs", errno);
  const std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> guard(list, &freeifaddrs);
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET || name != a->ifa_name) {
      continue;
    }
    sockaddr_in address{};
    sockaddr_in mask{};
    std::memcpy(&address, a->ifa_addr, sizeof address);
    if (a->ifa_netmask != nullptr) std::memcpy(&mask, a->ifa_netmask, sizeof mask);
    info.address = ntohl(address.sin_addr.s_addr);
    info.prefix_length = static_cast<std::uint8_t>(std::popcount(mask.sin_addr.s_addr));
    return info;
  }
  throw std::runtime_error(who + ": interface " + name + " has no IPv4 address to send from");
}

}  // namespace anycastd::kernel
