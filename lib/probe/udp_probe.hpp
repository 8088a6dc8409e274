// SPDX-License-Identifier: Apache-2.0
// A request/answer probe over one connected UDP socket that stays open across
// runs (reopened after an error), shared by the DNS-over-UDP and NTP checks.
// Answers the decoder calls unrelated (a late answer to an earlier run) are
// counted and skipped; the probe keeps waiting until its timeout.
#pragma once

#include <array>
#include <boost/asio/ip/udp.hpp>
#include <span>

#include "probe/probe.hpp"
#include "probe/verdict.hpp"

namespace anycastd::probe {

class UdpProbe : public Probe {
 protected:
  UdpProbe(boost::asio::io_context& io, boost::asio::ip::udp::endpoint target)
      : Probe(io), target_(target), socket_(io) {}

  // The request for a new run (fresh DNS ID or NTP transmit timestamp).
  virtual std::span<const std::uint8_t> next_request() = 0;
  // Judges one datagram as soon as it is read (NTP takes its receive time here).
  virtual AnswerVerdict evaluate(std::span<const std::uint8_t> answer) = 0;

 private:
  void start(Generation gen) override;
  void stop() override;
  std::string timeout_note() const override;
  void receive(Generation gen);
  void drain(Generation gen);
  void fail_receive(Generation gen, const boost::system::error_code& ec);

  boost::asio::ip::udp::endpoint target_;
  boost::asio::ip::udp::socket socket_;
  // Without EDNS a DNS answer fits in 512 bytes (RFC 1035 §4.2.1) and an NTP
  // one in 48 plus extensions; a longer datagram is cut and judged as such.
  std::array<std::uint8_t, 4096> buffer_{};
  unsigned unrelated_ = 0;
};

}  // namespace anycastd::probe
