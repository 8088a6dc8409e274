// SPDX-License-Identifier: Apache-2.0
#include "probe/check.hpp"

#include "probe/probe.hpp"

namespace anycastd::probe {
namespace {

// The public face of a Probe: handlers keep the Probe alive, so destroying
// the Check only has to make sure `done` is never called.
class ProbeCheck final : public Check {
 public:
  explicit ProbeCheck(std::shared_ptr<Probe> probe) : probe_(std::move(probe)) {}
  ~ProbeCheck() override { probe_->cancel(); }
  ProbeCheck(const ProbeCheck&) = delete;
  ProbeCheck& operator=(const ProbeCheck&) = delete;

  void run(std::chrono::milliseconds timeout, std::function<void(Result)> done) override {
    probe_->run(timeout, std::move(done));
  }
  void cancel() override { probe_->cancel(); }

 private:
  std::shared_ptr<Probe> probe_;
};

std::shared_ptr<Probe> make_probe(boost::asio::io_context& io, const config::CheckConfig& cfg) {
  switch (cfg.type) {
    case config::CheckType::dns:
      return make_dns_probe(io, cfg);
    case config::CheckType::tcp:
      return make_tcp_probe(io, cfg);
    case config::CheckType::ntp:
      return make_ntp_probe(io, cfg);
    case config::CheckType::exec:
      return make_exec_probe(io, cfg);
    case config::CheckType::http:
      return make_http_probe(io, cfg);
    case config::CheckType::file:
      return make_file_probe(io, cfg);
  }
  return std::make_shared<FailingProbe>(io, "unknown check type");
}

}  // namespace

std::unique_ptr<Check> make_check(boost::asio::io_context& io, const config::CheckConfig& cfg) {
  if (cfg.type == config::CheckType::dns && cfg.soa_primary) {
    if (auto check = make_soa_check(io, cfg)) return check;
  }
  return std::make_unique<ProbeCheck>(make_probe(io, cfg));
}

}  // namespace anycastd::probe
