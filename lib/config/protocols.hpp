// SPDX-License-Identifier: Apache-2.0
// Parsers for the protocol sections of the config, one file each
// (rip_config.cpp, ...), sharing the Reader's positioned diagnostics.
#pragma once

#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/reader.hpp"

namespace anycastd::config {

void parse_rip(Reader& r, const toml::table& t, RipConfig& out);
void parse_bgp(Reader& r, const toml::table& t, BgpConfig& out);
void parse_ospf(Reader& r, const toml::table& t, OspfConfig& out);
void parse_bfd(Reader& r, const toml::table& t, BfdConfig& out);

}  // namespace anycastd::config
