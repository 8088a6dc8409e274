// SPDX-License-Identifier: Apache-2.0
// The ntp check: one client-mode request (RFC 5905 §8), judged by
// evaluate_ntp_answer().
#include <chrono>
#include <vector>

#include "probe/ntp_packet.hpp"
#include "probe/udp_probe.hpp"

namespace anycastd::probe {
namespace {

class NtpProbe final : public UdpProbe {
 public:
  NtpProbe(boost::asio::io_context& io, boost::asio::ip::udp::endpoint target, NtpLimits limits)
      : UdpProbe(io, target), limits_(limits) {}

 private:
  std::span<const std::uint8_t> next_request() override {
    transmit_time_ = to_ntp_time(std::chrono::system_clock::now());
    request_ = encode(client_request(transmit_time_));
    return request_;
  }
  AnswerVerdict evaluate(std::span<const std::uint8_t> answer) override {
    // T4 (RFC 5905 §8): read right after the datagram came off the socket.
    const std::uint64_t receive_time = to_ntp_time(std::chrono::system_clock::now());
    return evaluate_ntp_answer(answer, transmit_time_, receive_time, limits_);
  }

  NtpLimits limits_;
  std::uint64_t transmit_time_ = 0;
  std::vector<std::uint8_t> request_;
};

}  // namespace

std::shared_ptr<Probe> make_ntp_probe(boost::asio::io_context& io, const config::CheckConfig& cfg) {
  NtpLimits limits;
  limits.max_stratum = cfg.max_stratum;
  limits.max_offset = cfg.max_offset;
  limits.max_root_distance = cfg.max_root_distance;
  return std::make_shared<NtpProbe>(
      io, boost::asio::ip::udp::endpoint(to_asio(cfg.target), cfg.port), limits);
}

}  // namespace anycastd::probe
