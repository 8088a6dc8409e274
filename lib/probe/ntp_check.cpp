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
  NtpProbe(boost::asio::io_context& io, boost::asio::ip::udp::endpoint target,
           std::uint8_t max_stratum)
      : UdpProbe(io, target), max_stratum_(max_stratum) {}

 private:
  std::span<const std::uint8_t> next_request() override {
    transmit_time_ = to_ntp_time(std::chrono::system_clock::now());
    request_ = encode(client_request(transmit_time_));
    return request_;
  }
  AnswerVerdict evaluate(std::span<const std::uint8_t> answer) const override {
    return evaluate_ntp_answer(answer, transmit_time_, max_stratum_);
  }

  std::uint8_t max_stratum_;
  std::uint64_t transmit_time_ = 0;
  std::vector<std::uint8_t> request_;
};

}  // namespace

std::shared_ptr<Probe> make_ntp_probe(boost::asio::io_context& io, const config::CheckConfig& cfg) {
  return std::make_shared<NtpProbe>(
      io, boost::asio::ip::udp::endpoint(to_asio(cfg.target), cfg.port), cfg.max_stratum);
}

}  // namespace anycastd::probe
