// SPDX-License-Identifier: Apache-2.0
#include "probe/connection_reuse.hpp"

namespace anycastd::probe {

bool may_reuse(PeerState peer, std::chrono::steady_clock::duration age) {
  return peer == PeerState::idle && age < kMaxConnectionAge;
}

bool retry_on_new_connection(bool reused, bool answer_started) {
  return reused && !answer_started;
}

bool keep_after(const ExchangeEnd& end) {
  // An answer to some other query on our own connection: out of step.
  return end.server_keeps_open && !end.leftover_bytes && end.verdict != Verdict::unrelated &&
         !end.certificate_failed;
}

}  // namespace anycastd::probe
