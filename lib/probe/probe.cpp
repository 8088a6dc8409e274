// SPDX-License-Identifier: Apache-2.0
#include "probe/probe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>

#include "util/duration.hpp"

namespace anycastd::probe {

void Probe::run(std::chrono::milliseconds timeout, Done done) {
  cancel();
  ++generation_;
  done_ = std::move(done);
  started_ = std::chrono::steady_clock::now();
  const Generation gen = generation_;
  timer_.expires_after(timeout);
  timer_.async_wait([this, keep = shared_from_this(), gen, timeout](boost::system::error_code ec) {
    if (ec || !current(gen)) return;
    finish(gen, false, "timeout after " + format_duration(timeout) + timeout_note());
  });
  start(gen);
}

void Probe::cancel() {
  if (!done_) return;
  done_ = nullptr;
  ++generation_;
  timer_.cancel();
  stop();
}

void Probe::finish(Generation gen, bool ok, std::string detail) {
  if (!current(gen)) return;
  const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started_);
  Done done = std::move(done_);
  done_ = nullptr;
  ++generation_;
  timer_.cancel();
  stop();
  if (ok) detail += " in " + format_latency(latency);
  // Last: `done` may start the next probe on this very object.
  done(Result{ok, latency, std::move(detail)});
}

void Probe::finish_later(Generation gen, bool ok, std::string detail) {
  boost::asio::post(io_, [this, keep = shared_from_this(), gen, ok, detail = std::move(detail)] {
    finish(gen, ok, detail);
  });
}

boost::asio::ip::address to_asio(const IpAddress& address) {
  if (address.is_v4()) {
    boost::asio::ip::address_v4::bytes_type b;
    std::copy_n(address.bytes.begin(), b.size(), b.begin());
    return boost::asio::ip::address_v4(b);
  }
  boost::asio::ip::address_v6::bytes_type b;
  std::copy_n(address.bytes.begin(), b.size(), b.begin());
  return boost::asio::ip::address_v6(b);
}

std::string error_detail(std::string_view what, const boost::system::error_code& ec) {
  std::string message = ec.message();
  if (!message.empty()) message[0] = static_cast<char>(std::tolower(message[0]));
  return fmt::format("{}: {}", what, message);
}

std::string format_latency(std::chrono::microseconds latency) {
  return fmt::format("{:.1f}ms", static_cast<double>(latency.count()) / 1000.0);
}

}  // namespace anycastd::probe
