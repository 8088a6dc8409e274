// SPDX-License-Identifier: Apache-2.0
// [bfd] (spec §3): BFD, RFC 5880/5881.
#include <fmt/format.h>

#include "config/protocols.hpp"

namespace anycastd::config {

namespace {

void parse_auth(Reader& r, const toml::table& t, BfdAuthConfig& out) {
  r.check_keys(t, "authentication", "[bfd] authentication");
  if (!r.read_choice(t, "mode",
                     {{"sha1", BfdAuthMode::sha1},
                      {"meticulous-sha1", BfdAuthMode::meticulous_sha1},
                      {"password", BfdAuthMode::password}},
                     out.mode)) {
    if (!t.contains("mode")) r.error(t.source(), "[bfd] authentication needs a \"mode\"");
    return;
  }
  r.read_uint(t, "key_id", {0, 255}, out.key_id);
  // RFC 5880 §4.2: a password is 1 to 16 bytes; §4.4: a SHA1 key is at most 20.
  const std::size_t max = out.mode == BfdAuthMode::password ? 16 : 20;
  if (!r.read_string(t, "key", out.key)) {
    if (!t.contains("key")) r.error(t.source(), "[bfd] authentication needs a \"key\"");
  } else if (out.key.empty() || out.key.size() > max) {
    r.error(t.get("key")->source(),
            fmt::format("\"key\" must be 1 to {} characters with mode \"{}\"", max,
                        t["mode"].value_or(std::string_view{})));
  }
}

}  // namespace

void parse_bfd(Reader& r, const toml::table& t, BfdConfig& out) {
  r.check_keys(t, "bfd");
  // RFC 5880 §4.1 carries microseconds; below 10 ms a user-space timer cannot keep up.
  r.read_duration(t, "min_tx", std::chrono::milliseconds(10), std::chrono::seconds(60), out.min_tx);
  r.read_duration(t, "min_rx", std::chrono::milliseconds(10), std::chrono::seconds(60), out.min_rx);
  // RFC 5880 §6.8.1: bfd.DetectMult MUST be nonzero.
  r.read_uint(t, "multiplier", {1, 255}, out.multiplier);
  if (const toml::table* auth = r.read_table(t, "authentication"))
    parse_auth(r, *auth, out.authentication);
}

}  // namespace anycastd::config
