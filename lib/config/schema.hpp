// SPDX-License-Identifier: Apache-2.0
// Every table of the config file and the keys it accepts: the one list the
// parser checks each table against (Reader::check_keys), and that the
// reference config (conf/anycastd.toml) and anycastd.toml(5) are tested
// against, so that a key cannot land undocumented.
#pragma once

#include <span>
#include <string_view>

namespace anycastd::config {

struct TableSchema {
  // Dotted path as written in the file ("daemon", "bgp.neighbor"); a check
  // table is "service.check.TYPE"; "" is the top level; "authentication" is
  // the inline table of [rip] and [[ospf.interface]].
  std::string_view path;
  // How messages name the table: "[daemon]", "dns check".
  std::string_view display;
  std::span<const std::string_view> keys;
};

std::span<const TableSchema> schema();

// The schema of `path`; every path the parser uses is in the list.
const TableSchema& table_schema(std::string_view path);

}  // namespace anycastd::config
