// SPDX-License-Identifier: Apache-2.0
// DNS names, types and rcodes as written in the config, checked with libldns.
// Kept apart from the parser because <ldns/ldns.h> redefines `bool` in C++.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace anycastd::config {

bool valid_domain_name(const std::string& name);
std::optional<std::uint16_t> dns_type_code(const std::string& name);  // "A" -> 1
std::optional<std::uint8_t> dns_rcode_code(const std::string& name);  // "SERVFAIL" -> 2
// Whether `text` is RDATA of `qtype` in presentation format ("198.18.100.1"
// for A, a domain name for CNAME and NS); any text is a TXT value.
bool valid_rdata(std::uint16_t qtype, const std::string& text);

}  // namespace anycastd::config
