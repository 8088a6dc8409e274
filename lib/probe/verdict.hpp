// SPDX-License-Identifier: Apache-2.0
// What a pure decoder says about one answer to a probe.
#pragma once

#include <cstdint>
#include <string>

namespace anycastd::probe {

enum class Verdict : std::uint8_t {
  pass,       // the answer to our query, and the service is healthy
  fail,       // the answer to our query (or unparseable), and the service is not healthy
  unrelated,  // a well-formed answer to some other query, e.g. a late one to an earlier probe
};

struct AnswerVerdict {
  Verdict verdict = Verdict::fail;
  std::string detail;  // one line, without latency: "NOERROR", "rcode SERVFAIL, expected NOERROR"
};

}  // namespace anycastd::probe
