// SPDX-License-Identifier: Apache-2.0
// The tcp check: passes when a connection to target:port is established;
// the connection is closed at once.
#include <boost/asio/ip/tcp.hpp>

#include "probe/probe.hpp"

namespace anycastd::probe {
namespace {

class TcpProbe final : public Probe {
 public:
  TcpProbe(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint target)
      : Probe(io), target_(target), socket_(io) {}

 private:
  void start(Generation gen) override {
    socket_.async_connect(target_,
                          [this, keep = shared_from_this(), gen](boost::system::error_code ec) {
                            if (!current(gen)) return;
                            if (ec) return finish(gen, false, error_detail("connect", ec));
                            finish(gen, true, "connected");
                          });
  }

  void stop() override {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  boost::asio::ip::tcp::endpoint target_;
  boost::asio::ip::tcp::socket socket_;
};

}  // namespace

std::shared_ptr<Probe> make_tcp_probe(boost::asio::io_context& io, const config::CheckConfig& cfg) {
  return std::make_shared<TcpProbe>(io,
                                    boost::asio::ip::tcp::endpoint(to_asio(cfg.target), cfg.port));
}

}  // namespace anycastd::probe
