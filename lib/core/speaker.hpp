// What the daemon needs from a routing protocol speaker (RIP, OSPF, BGP).
// A speaker subscribes to the AnnouncementBus itself when constructed.
#pragma once

#include <functional>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace anycastd::core {

class Speaker {
 public:
  virtual ~Speaker() = default;
  virtual std::string_view protocol() const = 0;
  // Opens sockets and starts talking; called after READY=1 would be too late
  // for errors, so it runs before, and failures throw std::runtime_error.
  virtual void start() = 0;
  // Graceful stop (spec §2): withdraw every prefix on the wire, then call
  // `done` on the event loop, within 1.5 s.
  virtual void shutdown(std::function<void()> done) = 0;
  // This protocol's part of `anycastctl status --json`.
  virtual nlohmann::json status() const = 0;
};

}  // namespace anycastd::core
