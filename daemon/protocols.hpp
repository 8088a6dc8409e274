// SPDX-License-Identifier: Apache-2.0
// The routing protocols this build can run, and how each is made from the
// config. Adding a protocol means adding it here and in config/protocols.hpp.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "config/config.hpp"
#include "core/bus.hpp"
#include "core/protocol.hpp"

namespace anycastd::bfd {
class BfdSessions;
}

namespace anycastd {

struct ProtocolContext {
  boost::asio::io_context& io;
  core::AnnouncementBus& bus;
  std::optional<IpAddress> router_id;
  // The BFD sessions a protocol asks for with `bfd = true`; null without [bfd].
  bfd::BfdSessions* bfd = nullptr;
};

// Every protocol name this build knows, in start-up order.
std::span<const std::string_view> protocols();

// Whether the config has `protocol`'s section.
bool configured(std::string_view protocol, const config::Config& config);

// Whether `protocol`'s section differs between two configs.
bool section_changed(std::string_view protocol, const config::Config& before,
                     const config::Config& after);

// The protocol `protocol` when the config enables it, else nullptr.
// Throws std::runtime_error if it cannot be built from this config.
std::unique_ptr<core::Protocol> make_protocol(std::string_view protocol,
                                              const config::Config& config,
                                              const ProtocolContext& context);

}  // namespace anycastd
