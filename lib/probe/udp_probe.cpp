// SPDX-License-Identifier: Apache-2.0
#include "probe/udp_probe.hpp"

#include <boost/asio/buffer.hpp>

namespace anycastd::probe {

void UdpProbe::start(Generation gen) {
  unrelated_ = 0;
  boost::system::error_code ec;
  if (!socket_.is_open()) {
    // A connected UDP socket only receives datagrams from the target, and
    // reports an ICMP port unreachable as "connection refused".
    socket_.open(target_.protocol(), ec);
    if (!ec) socket_.non_blocking(true, ec);
    if (!ec) socket_.connect(target_, ec);
    if (ec) {
      boost::system::error_code ignored;
      socket_.close(ignored);
      finish_later(gen, false, error_detail("socket", ec));
      return;
    }
  }
  // Non-blocking: a full send buffer is an error, never a stall.
  const auto request = next_request();
  socket_.send(boost::asio::buffer(request.data(), request.size()), 0, ec);
  if (ec) {
    boost::system::error_code ignored;
    socket_.close(ignored);
    finish_later(gen, false, error_detail("send", ec));
    return;
  }
  receive(gen);
}

void UdpProbe::receive(Generation gen) {
  // Wait for readability, then read without blocking: async_receive would
  // first try a read that rarely succeeds this soon after the send (about
  // 500 wasted recvfrom calls a second at 1,000 services).
  socket_.async_wait(boost::asio::ip::udp::socket::wait_read,
                     [this, keep = shared_from_this(), gen](boost::system::error_code ec) {
                       if (!current(gen)) return;
                       if (ec) {
                         fail_receive(gen, ec);
                         return;
                       }
                       drain(gen);
                     });
}

// Reads every queued datagram (a late answer to an earlier run may sit in
// front of this run's) and waits again only once none is left: readiness is
// reported on edges, so a datagram left behind would not wake us.
void UdpProbe::drain(Generation gen) {
  for (;;) {
    boost::system::error_code ec;
    const std::size_t size = socket_.receive(boost::asio::buffer(buffer_), 0, ec);
    if (ec == boost::asio::error::would_block) {
      receive(gen);
      return;
    }
    if (ec) {
      fail_receive(gen, ec);
      return;
    }
    AnswerVerdict v = evaluate(std::span(buffer_.data(), size));
    switch (v.verdict) {
      case Verdict::pass:
        finish(gen, true, std::move(v.detail));
        return;
      case Verdict::fail:
        finish(gen, false, std::move(v.detail));
        return;
      case Verdict::unrelated:
        ++unrelated_;
        continue;
    }
  }
}

void UdpProbe::fail_receive(Generation gen, const boost::system::error_code& ec) {
  boost::system::error_code ignored;
  socket_.close(ignored);
  finish(gen, false, error_detail("receive", ec));
}

void UdpProbe::stop() {
  // The pending receive completes with operation_aborted; the socket stays open.
  boost::system::error_code ec;
  socket_.cancel(ec);
}

std::string UdpProbe::timeout_note() const {
  if (unrelated_ == 0) return {};
  return " (" + std::to_string(unrelated_) + " unrelated answer" + (unrelated_ == 1 ? "" : "s") +
         " ignored)";
}

}  // namespace anycastd::probe
