// SPDX-License-Identifier: Apache-2.0
// Anycast addresses on the loopback (or a dummy) interface, over netlink.
//
//   ensure()/remove() --RTM_NEWADDR/RTM_DELADDR--> kernel   (request socket, synchronous)
//   kernel --RTM_DELADDR (RTMGRP_IPV4_IFADDR|RTMGRP_IPV6_IFADDR)--> monitor --> re-add
//
// The addresses are host routes in universe scope, exactly what
// `ip addr add 198.19.224.2/32 dev lo` makes, so services can bind them and
// other routing software sees ordinary global addresses. They are left in
// place when the manager is destroyed: the service keeps its bound sockets.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "kernel/netlink.hpp"
#include "util/prefix.hpp"

namespace anycastd::kernel {

class AddressManager {
 public:
  // Looks `interface` up, creating it as a "dummy" interface when it is
  // missing, and brings it up. Throws std::runtime_error with a message that
  // says what failed and what to do.
  AddressManager(boost::asio::io_context& io, std::string interface);
  ~AddressManager();
  AddressManager(const AddressManager&) = delete;
  AddressManager& operator=(const AddressManager&) = delete;

  // Makes these host routes present on the interface and remembers them as
  // wanted. Returns one "PREFIX: reason" line per prefix that failed.
  std::vector<std::string> ensure(const std::vector<Prefix>& prefixes);

  // Forgets these prefixes and deletes them from the interface (config
  // reload). Addresses already gone are fine; failures are logged.
  void remove(const std::vector<Prefix>& prefixes);

  // Watches the interface: a wanted address deleted by someone else is put
  // back, with one warning per event.
  void start_monitor();

  // Every address on the interface, as address/prefix-length.
  std::vector<Prefix> present() const;
  std::size_t readded_count() const { return readded_; }
  const std::string& interface() const { return interface_; }

 private:
  int add(const Prefix& prefix);
  int del(const Prefix& prefix);
  void wait_monitor();
  void read_monitor();
  void on_address_message(const AddressMessage& message);
  void resync();

  std::string interface_;
  unsigned index_ = 0;
  mutable NetlinkSocket requests_;
  std::unique_ptr<NetlinkSocket> monitor_;
  std::optional<boost::asio::posix::stream_descriptor> monitor_fd_;
  boost::asio::io_context& io_;
  std::set<Prefix> wanted_;
  std::size_t readded_ = 0;
  // Completion handlers check this so none runs after destruction.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The highest IPv4 address of the host outside loopback interfaces and
// 127.0.0.0/8, skipping `exclude` (the anycast prefixes, which every server
// shares), for the default router_id. nullopt when there is none or
// netlink fails (logged).
std::optional<IpAddress> highest_ipv4_address(std::span<const Prefix> exclude = {});

}  // namespace anycastd::kernel
