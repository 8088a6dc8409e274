// SPDX-License-Identifier: Apache-2.0
#include "probe/tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <map>
#include <tuple>

#include "probe/cert_expiry.hpp"
#include "probe/probe.hpp"

namespace anycastd::probe {
namespace {

using ContextKey = std::tuple<bool, std::string>;  // tls_verify, ca_file

// One context per trust setting: a context holds the parsed trust store
// (the system's is some 140 certificates), which 100 checks need not copy.
// Single-threaded like the rest of lib/, so a plain map of weak references.
std::shared_ptr<boost::asio::ssl::context> shared_context(const ContextKey& key,
                                                          std::string& error) {
  static std::map<ContextKey, std::weak_ptr<boost::asio::ssl::context>> contexts;
  if (auto existing = contexts[key].lock()) return existing;
  const auto& [verify, ca_file] = key;
  auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (verify) {
    ctx->set_verify_mode(boost::asio::ssl::verify_peer);
    if (ca_file.empty()) {
      ctx->set_default_verify_paths(ec);
    } else {
      ctx->load_verify_file(ca_file, ec);
    }
  } else {
    ctx->set_verify_mode(boost::asio::ssl::verify_none);
  }
  if (ec) {
    error = error_detail(ca_file.empty() ? "trust store" : "ca_file " + ca_file, ec);
    return ctx;
  }
  contexts[key] = ctx;
  return ctx;
}

std::optional<std::chrono::system_clock::time_point> not_after(const X509* cert) {
  std::tm tm{};
  if (cert == nullptr || ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

void TlsClient::SessionFree::operator()(ssl_session_st* session) const {
  SSL_SESSION_free(session);
}

TlsClient::TlsClient(const config::CheckConfig& cfg)
    : context_(shared_context({cfg.tls_verify, cfg.ca_file}, setup_error_)),
      name_(cfg.host.empty() ? cfg.target.to_string() : cfg.host),
      name_is_address_(cfg.host.empty() || IpAddress::parse(cfg.host).has_value()),
      verify_(cfg.tls_verify),
      cert_min_days_(cfg.cert_min_days) {}

void TlsClient::prepare(TlsStream& stream) {
  SSL* ssl = stream.native_handle();
  // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted" in SNI.
  if (!name_is_address_) SSL_set_tlsext_host_name(ssl, name_.c_str());
  if (verify_) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (name_is_address_) {
      X509_VERIFY_PARAM_set1_ip_asc(param, name_.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, name_.c_str(), 0);
    }
  }
  if (session_) SSL_set_session(ssl, session_.get());
}

AnswerVerdict TlsClient::finish(TlsStream& stream, std::chrono::system_clock::time_point now) {
  SSL* ssl = stream.native_handle();
  resumed_ = SSL_session_reused(ssl) == 1;
  // TLS 1.3 tickets arrive after the handshake, with the answer; the
  // newest is the one to resume.
  SSL_SESSION* session = SSL_get1_session(ssl);
  if (session != nullptr && SSL_SESSION_is_resumable(session) == 1) {
    session_.reset(session);
  } else {
    SSL_SESSION_free(session);
  }
  if (!cert_min_days_) return {Verdict::pass, {}};
  // A resumed session carries the certificate of its full handshake.
  const auto expiry = not_after(SSL_get0_peer_certificate(ssl));
  if (!expiry) return {Verdict::fail, "no server certificate to check cert_min_days on"};
  AnswerVerdict v = evaluate_cert_expiry(*expiry, now, *cert_min_days_);
  // Inside the window: the next probe does a full handshake, so that a
  // renewed certificate counts at once.
  if (v.verdict != Verdict::pass) session_.reset();
  return v;
}

void TlsClient::mark_shut_down(TlsStream& stream) {
  SSL_set_shutdown(stream.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
}

std::string TlsClient::handshake_error(TlsStream& stream,
                                       const boost::system::error_code& ec) const {
  const long result = SSL_get_verify_result(stream.native_handle());
  std::string detail = error_detail("TLS handshake", ec);
  if (verify_ && result != X509_V_OK) {
    detail += std::string(" (") + X509_verify_cert_error_string(result) + ")";
  }
  return detail;
}

}  // namespace anycastd::probe
