// SPDX-License-Identifier: Apache-2.0
// A protocol's graceful stop (core/stop_budget.hpp): the daemon's `done`
// callback runs exactly once, when the protocol finishes withdrawing or when
// the deadline passes, whichever comes first, and always from the event loop.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace anycastd::session {

class StopDeadline {
 public:
  explicit StopDeadline(boost::asio::io_context& io) : io_(io), timer_(io) {}

  // Remembers `done` and arms the deadline; `name` is for the warning when
  // the deadline, not the protocol, ends the stop.
  void start(std::function<void()> done, std::chrono::steady_clock::time_point deadline,
             std::string name);
  // The protocol is done: posts `done` once. Later calls do nothing.
  void finish();
  // A stop is under way and `done` has not been posted yet.
  bool pending() const { return static_cast<bool>(done_); }

 private:
  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  std::function<void()> done_;
};

}  // namespace anycastd::session
