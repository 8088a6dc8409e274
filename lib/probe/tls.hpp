// SPDX-License-Identifier: Apache-2.0
// TLS for the http check (tls = true) and DNS over TLS (internal to
// lib/probe): one OpenSSL client context per trust setting, shared by every
// check that uses it, and per check the last session, so that a probe once
// a second resumes (an abbreviated handshake, RFC 8446 §2.2) instead of
// paying a full handshake and certificate verification each time.
//
//   check --prepare(stream)--> SNI, name to verify, session to resume
//         <-- handshake, request, answer (the check's own I/O) -->
//   check --finish(stream)---> keeps the newest session, judges cert_min_days
//         (after every exchange, also on a connection kept open)
//   check --mark_shut_down(stream)--> before closing, keeps the session resumable
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "probe/verdict.hpp"

struct ssl_session_st;

namespace anycastd::probe {

using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

class TlsClient {
 public:
  // For a check with `tls`: trust (tls_verify, ca_file), the name to send
  // and verify (`host`, else the target address) and cert_min_days.
  explicit TlsClient(const config::CheckConfig& cfg);

  // Why the context could not be made (an unreadable ca_file), or empty.
  const std::string& setup_error() const { return setup_error_; }
  boost::asio::ssl::context& context() { return *context_; }

  // Before the handshake of a new connection.
  void prepare(TlsStream& stream);
  // After a complete exchange: keeps the session for the next connection
  // and judges the certificate of this connection. The detail is empty when there is nothing
  // to say; "certificate valid 89d" with cert_min_days.
  AnswerVerdict finish(TlsStream& stream, std::chrono::system_clock::time_point now);
  // Whether the last finished connection resumed a session.
  bool resumed() const { return resumed_; }
  // Before a stream is closed: marks it shut down without sending
  // close_notify and waiting for the peer's, which costs a round trip.
  // OpenSSL drops the session of a stream freed otherwise (unless the
  // handshake never finished); RFC 8446 does not ask for that.
  static void mark_shut_down(TlsStream& stream);

  // "handshake: certificate verify failed (certificate has expired)"
  std::string handshake_error(TlsStream& stream, const boost::system::error_code& ec) const;

 private:
  struct SessionFree {
    void operator()(ssl_session_st* session) const;
  };

  std::string setup_error_;  // before context_, which sets it
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::string name_;  // SNI (a DNS name only, RFC 6066 §3) and verified name
  bool name_is_address_ = false;
  bool verify_ = true;
  std::optional<std::uint32_t> cert_min_days_;
  std::unique_ptr<ssl_session_st, SessionFree> session_;
  bool resumed_ = false;
};

}  // namespace anycastd::probe
