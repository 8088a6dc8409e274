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

}  // namespace anycastd::config
