// SPDX-License-Identifier: Apache-2.0
// When a TCP or TLS check (http, DNS over TCP and TLS) keeps its connection
// for the next probe (`reuse_connection`). Pure, so each rule is tested
// without a server; stream_probe.cpp applies them to real sockets.
//
//   probe starts --may_reuse(peer, age)--> the kept connection, or a new one
//   exchange fails --retry_on_new_connection--> once more on a new connection
//   answer judged --keep_after(exchange)--> kept idle, or closed
#pragma once

#include <chrono>

#include "probe/verdict.hpp"

namespace anycastd::probe {

// What a look at an idle kept socket found (a non-blocking peek).
enum class PeerState : std::uint8_t {
  idle,    // open, nothing to read: fit for the next request
  closed,  // the server closed it (FIN) or reset it
  // Bytes nobody asked for, e.g. a TLS close_notify or an HTTP 408: read as
  // the next answer they would mislead the probe. (A TLS server that sent its
  // session tickets only after an answer would cost a new connection each
  // probe; OpenSSL servers send them with the handshake.)
  unexpected_data,
};

// A kept connection is replaced after this long even when it is fine, so
// that a server that still serves old connections but no longer accepts
// new ones (a full backlog, a dead acceptor) fails within a minute.
inline constexpr std::chrono::seconds kMaxConnectionAge{60};

bool may_reuse(PeerState peer, std::chrono::steady_clock::duration age);

// A send or receive error on a connection kept from an earlier probe, with
// none of the answer in yet, is what a server closing an idle connection
// looks like (RFC 7858 §3.4: clients "MUST be robust to termination of idle
// connection by either party"; RFC 9112 §9.3.1 for HTTP): the probe tries
// once more on a new connection. On a new connection an error is the verdict.
bool retry_on_new_connection(bool reused, bool answer_started);

// How an exchange that got its whole answer ended.
struct ExchangeEnd {
  bool server_keeps_open = true;  // HTTP: no "Connection: close", body read to its end
  bool leftover_bytes = false;    // bytes after the answer: the stream is out of step
  Verdict verdict = Verdict::pass;
  // Over TLS: cert_min_days failed. The next probe shakes hands anew, so that
  // a renewed certificate counts at once.
  bool certificate_failed = false;
};

// A verdict of fail on the service's answer (HTTP 503, NXDOMAIN) keeps the
// connection: the stream is in step and the next probe asks again.
bool keep_after(const ExchangeEnd& end);

}  // namespace anycastd::probe
