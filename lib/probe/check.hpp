// SPDX-License-Identifier: Apache-2.0
// Health checks (spec §3 [[service.check]], §4): one asynchronous probe of a
// real service (DNS query, TCP connect, NTP, command) with its own timeout.
//
//   core --run(timeout, done)--> Check --socket / child process--> service
//   core <------ done(Result) -- Check   (once, on the io_context)
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"

namespace anycastd::probe {

struct Result {
  bool ok = false;
  std::chrono::microseconds latency{0};  // from send/spawn to answer/exit
  std::string detail;                    // one line, e.g. "NOERROR in 1.2ms", "timeout after 500ms"
};

class Check {
 public:
  virtual ~Check() = default;
  // Starts one probe; `done` is called exactly once on the io_context, unless
  // cancel() or destruction comes first (then never). At most one probe is in
  // flight per Check; run() while one is in flight cancels the old one first.
  virtual void run(std::chrono::milliseconds timeout, std::function<void(Result)> done) = 0;
  virtual void cancel() = 0;
};

std::unique_ptr<Check> make_check(boost::asio::io_context& io, const config::CheckConfig& cfg);

}  // namespace anycastd::probe
