// SPDX-License-Identifier: Apache-2.0
// The wire pieces the message and attribute codecs share (lib/bgp only):
// the header, NOTIFICATION shorthands and NLRI prefixes (RFC 4271 §4).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "bgp/message.hpp"
#include "util/buffer.hpp"

namespace anycastd::bgp {

// Marker, a length that finish() fills in, and the type.
void write_header(BufWriter& w, MessageType type);
std::vector<std::uint8_t> finish(BufWriter& w);
std::vector<std::uint8_t> u16_bytes(std::uint16_t v);
Notification make(std::uint8_t code, std::uint8_t subcode, std::vector<std::uint8_t> data = {});
// RFC 4271 §4.3: <length, prefix> with the prefix padded to whole octets.
// False when a prefix is longer than the family allows or overruns.
bool read_prefixes(BufReader r, Family family, std::vector<Prefix>& out);
void write_prefix(BufWriter& w, const Prefix& p);
std::optional<Family> family_of(AfiSafi afi_safi);
// A 4-octet value (NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF, a capability);
// nullopt for any other length.
std::optional<std::uint32_t> u32_value(std::span<const std::uint8_t> value);

}  // namespace anycastd::bgp
