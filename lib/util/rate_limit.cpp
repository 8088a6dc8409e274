// SPDX-License-Identifier: Apache-2.0
#include "util/rate_limit.hpp"

namespace anycastd {

LogRateLimiter::Verdict LogRateLimiter::check(const std::string& key, Clock::time_point now) {
  auto [it, inserted] = windows_.try_emplace(key, Window{now, 0, 0});
  Window& w = it->second;
  Verdict v;
  if (!inserted && now - w.start >= period_) {
    v.suppressed_before = w.suppressed;
    w = Window{now, 0, 0};
  }
  if (w.logged < burst_) {
    ++w.logged;
    v.log = true;
  } else {
    ++w.suppressed;
  }
  return v;
}

}  // namespace anycastd
