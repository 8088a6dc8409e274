// SPDX-License-Identifier: Apache-2.0
// The machinery every check shares (internal to lib/probe): one probe in
// flight, its timeout timer, and a generation counter that recognises the
// completions of a probe that was cancelled, timed out or already answered
// (a fired Asio timer or a finished read cannot be recalled; its handler
// still runs). Handlers hold a shared_ptr to the Probe, so a Check can be
// destroyed with I/O pending.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "probe/check.hpp"
#include "util/prefix.hpp"

namespace anycastd::probe {

class Probe : public std::enable_shared_from_this<Probe> {
 public:
  using Done = std::function<void(Result)>;

  explicit Probe(boost::asio::io_context& io) : io_(io), timer_(io) {}
  virtual ~Probe() = default;
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  void run(std::chrono::milliseconds timeout, Done done);
  void cancel();

 protected:
  using Generation = std::uint64_t;

  // Starts the probe's I/O. Never calls finish() itself: failures found
  // here go through finish_later(), so `done` always runs from a handler.
  virtual void start(Generation gen) = 0;
  // Releases the probe's I/O after a result, a timeout or a cancel.
  virtual void stop() = 0;
  // Appended to "timeout after 500ms", e.g. " (2 unrelated answers ignored)".
  virtual std::string timeout_note() const { return {}; }

  bool current(Generation gen) const { return done_ && gen == generation_; }
  // Reports the result of probe `gen` unless it is stale; a pass gets " in 1.2ms".
  void finish(Generation gen, bool ok, std::string detail);
  void finish_later(Generation gen, bool ok, std::string detail);

  boost::asio::io_context& io_;

 private:
  boost::asio::steady_timer timer_;
  Generation generation_ = 0;
  Done done_;
  std::chrono::steady_clock::time_point started_;
};

// A check that fails every run with the same detail (e.g. an unusable config).
class FailingProbe final : public Probe {
 public:
  FailingProbe(boost::asio::io_context& io, std::string detail)
      : Probe(io), detail_(std::move(detail)) {}

 private:
  void start(Generation gen) override { finish_later(gen, false, detail_); }
  void stop() override {}

  std::string detail_;
};

boost::asio::ip::address to_asio(const IpAddress& address);
// "connect: connection refused"
std::string error_detail(std::string_view what, const boost::system::error_code& ec);
// "1.2ms"
std::string format_latency(std::chrono::microseconds latency);

std::shared_ptr<Probe> make_dns_probe(boost::asio::io_context& io, const config::CheckConfig& cfg);
std::shared_ptr<Probe> make_ntp_probe(boost::asio::io_context& io, const config::CheckConfig& cfg);
std::shared_ptr<Probe> make_tcp_probe(boost::asio::io_context& io, const config::CheckConfig& cfg);
std::shared_ptr<Probe> make_exec_probe(boost::asio::io_context& io, const config::CheckConfig& cfg);
std::shared_ptr<Probe> make_http_probe(boost::asio::io_context& io, const config::CheckConfig& cfg);
std::shared_ptr<Probe> make_file_probe(boost::asio::io_context& io, const config::CheckConfig& cfg);
// A dns check with soa_primary; nullptr when the query name is invalid.
std::unique_ptr<Check> make_soa_check(boost::asio::io_context& io, const config::CheckConfig& cfg);

}  // namespace anycastd::probe
