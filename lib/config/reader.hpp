// SPDX-License-Identifier: Apache-2.0
// Reading toml++ tables with positions: every problem becomes a Diagnostic
// at the offending node, and parsing goes on so that one run reports them
// all. Shared by the core sections (parser.cpp) and each protocol section.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "config/config.hpp"

namespace anycastd::config {

struct Range {
  std::int64_t min;
  std::int64_t max;
};

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  void error(const toml::source_region& where, std::string message) {
    errors_.push_back({path_, where.begin.line, where.begin.column, std::move(message)});
  }
  void warning(const toml::source_region& where, std::string message) {
    warnings_.push_back({path_, where.begin.line, where.begin.column, std::move(message)});
  }
  bool has_errors() const { return !errors_.empty(); }
  const std::string& path() const { return path_; }
  std::vector<Diagnostic>& errors() { return errors_; }
  std::vector<Diagnostic>& warnings() { return warnings_; }

  // Reports keys of `table` that the schema (config/schema.hpp) does not
  // list for `path`; messages name the table `display`, or as the schema does.
  void check_keys(const toml::table& table, std::string_view path, std::string_view display = {});

  // Each reader returns false and leaves `out` untouched when the key is
  // absent or invalid (and reports the invalid case).
  bool read_string(const toml::table& t, std::string_view key, std::string& out);
  bool read_int(const toml::table& t, std::string_view key, Range range, std::int64_t& out);
  template <typename T>
  bool read_uint(const toml::table& t, std::string_view key, Range range, T& out) {
    std::int64_t v = 0;
    if (!read_int(t, key, range, v)) return false;
    out = static_cast<T>(v);
    return true;
  }
  bool read_bool(const toml::table& t, std::string_view key, bool& out);
  // A string that names one of `choices`; another string is reported with
  // the names: "key": "x" is not "a", "b" or "c".
  template <typename E>
  bool read_choice(const toml::table& t, std::string_view key,
                   std::initializer_list<std::pair<std::string_view, E>> choices, E& out) {
    std::string text;
    if (!read_string(t, key, text)) return false;
    std::vector<std::string_view> names;
    for (const auto& [name, value] : choices) {
      if (name == text) {
        out = value;
        return true;
      }
      names.push_back(name);
    }
    report_choice(t, key, text, names);
    return false;
  }
  bool read_duration(const toml::table& t, std::string_view key, Duration min, Duration max,
                     Duration& out);
  bool read_address(const toml::table& t, std::string_view key, IpAddress& out);
  bool read_string_array(const toml::table& t, std::string_view key,
                         std::vector<std::pair<std::string, toml::source_region>>& out);
  const toml::table* read_table(const toml::table& t, std::string_view key);
  // An array of tables ([[x]]): each element, or nothing (with an error) if
  // `key` is something else.
  std::vector<const toml::table*> read_table_array(const toml::table& t, std::string_view key);
  // { mode = "text"|"md5", key_id = N, key = "..." } (RIP and OSPF).
  void read_auth(const toml::table& t, std::string_view where, AuthConfig& out);

 private:
  void report_choice(const toml::table& t, std::string_view key, std::string_view text,
                     const std::vector<std::string_view>& names);

  std::string path_;
  std::vector<Diagnostic> errors_;
  std::vector<Diagnostic> warnings_;
};

std::string_view type_name(const toml::node& node);

}  // namespace anycastd::config
