// SPDX-License-Identifier: Apache-2.0
// Config pieces the in-process benchmarks share.
#pragma once

#include <string>

#include "config/config.hpp"

namespace anycastd::bench {

// A UDP `dns` check asking `target`:53 for test.home. A, as the daemon benchmarks do.
inline config::CheckConfig dns_check(const std::string& target) {
  config::CheckConfig check;
  check.type = config::CheckType::dns;
  check.target = *IpAddress::parse(target);
  check.port = 53;
  check.qname = "test.home.";
  return check;
}

}  // namespace anycastd::bench
