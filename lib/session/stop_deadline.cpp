// SPDX-License-Identifier: Apache-2.0
#include "session/stop_deadline.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

namespace anycastd::session {

void StopDeadline::start(std::function<void()> done, std::chrono::steady_clock::time_point deadline,
                         std::string name) {
  done_ = std::move(done);
  timer_.expires_at(deadline);
  // The timer is a member: destroying it aborts the wait before `this` goes.
  timer_.async_wait([this, name = std::move(name)](const boost::system::error_code& ec) {
    if (ec || !done_) return;
    spdlog::warn("{}: stop did not finish in time, stopping anyway", name);
    finish();
  });
}

void StopDeadline::finish() {
  if (!done_) return;
  timer_.cancel();
  boost::asio::post(io_, std::move(done_));
  done_ = nullptr;
}

}  // namespace anycastd::session
