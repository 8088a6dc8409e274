// SPDX-License-Identifier: Apache-2.0
// The timers of one protocol machine, named by the machine's own TimerId
// (core/sans_io.hpp): arm() starts or moves one, cancel() stops it, and
// `fired` runs only for the latest arming. An Asio timer that already fired
// cannot be cancelled, so every arming gets a new generation and a
// completion queued by an earlier one is recognised and dropped.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

namespace anycastd::session {

template <typename TimerId>
class TimerSet {
 public:
  using Fired = std::function<void(TimerId)>;

  TimerSet(boost::asio::io_context& io, Fired fired) : io_(io), fired_(std::move(fired)) {}
  TimerSet(const TimerSet&) = delete;
  TimerSet& operator=(const TimerSet&) = delete;
  ~TimerSet() { *alive_ = false; }

  void arm(TimerId id, std::chrono::steady_clock::time_point at) {
    auto& slot = slots_[id];
    if (!slot) slot = std::make_unique<Slot>(io_);
    const std::uint64_t generation = slot->generation = ++generations_;
    slot->timer.expires_at(at);
    slot->timer.async_wait(
        [this, alive = alive_, id, generation](const boost::system::error_code& ec) {
          if (!*alive || ec) return;
          const auto it = slots_.find(id);
          if (it == slots_.end() || it->second->generation != generation) return;
          slots_.erase(it);
          fired_(id);
        });
  }

  void cancel(TimerId id) { slots_.erase(id); }
  void cancel_all() { slots_.clear(); }
  bool armed(TimerId id) const { return slots_.count(id) != 0; }

 private:
  struct Slot {
    explicit Slot(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    std::uint64_t generation = 0;
  };

  boost::asio::io_context& io_;
  Fired fired_;
  std::map<TimerId, std::unique_ptr<Slot>> slots_;
  std::uint64_t generations_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace anycastd::session
