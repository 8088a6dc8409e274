// SPDX-License-Identifier: Apache-2.0
#include "config/reader.hpp"

#include "config/schema.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace anycastd::config {

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    case toml::node_type::none:
      return "nothing";
  }
  return "something else";
}

void Reader::check_keys(const toml::table& table, std::string_view path, std::string_view display) {
  const auto& schema = table_schema(path);
  const auto allowed = schema.keys;
  if (display.empty()) display = schema.display;
  for (const auto& [key, node] : table) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
    std::string known;
    for (auto k : allowed)
      known += fmt::format("{}{}", known.empty() ? "" : ", ", k);
    error(key.source(),
          fmt::format("unknown key \"{}\" in {} (known keys: {})", key.str(), display, known));
  }
}

bool Reader::read_string(const toml::table& t, std::string_view key, std::string& out) {
  const toml::node* node = t.get(key);
  if (!node) return false;
  if (!node->is_string()) {
    error(node->source(), fmt::format("\"{}\" must be a string, not {}", key, type_name(*node)));
    return false;
  }
  out = node->as_string()->get();
  return true;
}

bool Reader::read_int(const toml::table& t, std::string_view key, Range range, std::int64_t& out) {
  const toml::node* node = t.get(key);
  if (!node) return false;
  if (!node->is_integer()) {
    error(node->source(), fmt::format("\"{}\" must be an integer, not {}", key, type_name(*node)));
    return false;
  }
  const std::int64_t v = node->as_integer()->get();
  if (v < range.min || v > range.max) {
    error(node->source(),
          fmt::format("\"{}\" is {}, must be between {} and {}", key, v, range.min, range.max));
    return false;
  }
  out = v;
  return true;
}

bool Reader::read_duration(const toml::table& t, std::string_view key, Duration min, Duration max,
                           Duration& out) {
  const toml::node* node = t.get(key);
  if (!node) return false;
  if (!node->is_string()) {
    error(node->source(), fmt::format("\"{}\" must be a duration string with a unit such as "
                                      "\"500ms\", \"2s\" or \"1m\", not {}",
                                      key, type_name(*node)));
    return false;
  }
  const auto& text = node->as_string()->get();
  const auto d = parse_duration(text);
  if (!d) {
    error(node->source(), fmt::format("\"{}\": \"{}\" is not a duration (use a whole number "
                                      "and a unit: ms, s, m, h, e.g. \"500ms\")",
                                      key, text));
    return false;
  }
  if (*d < min || *d > max) {
    error(node->source(), fmt::format("\"{}\" is {}, must be between {} and {}", key, text,
                                      format_duration(min), format_duration(max)));
    return false;
  }
  out = *d;
  return true;
}

bool Reader::read_address(const toml::table& t, std::string_view key, IpAddress& out) {
  std::string text;
  if (!read_string(t, key, text)) return false;
  const auto a = IpAddress::parse(text);
  if (!a) {
    error(t.get(key)->source(), fmt::format("\"{}\": \"{}\" is not an IP address", key, text));
    return false;
  }
  out = *a;
  return true;
}

bool Reader::read_string_array(const toml::table& t, std::string_view key,
                               std::vector<std::pair<std::string, toml::source_region>>& out) {
  const toml::node* node = t.get(key);
  if (!node) return false;
  const toml::array* array = node->as_array();
  if (!array) {
    error(node->source(),
          fmt::format("\"{}\" must be an array of strings, not {}", key, type_name(*node)));
    return false;
  }
  bool ok = true;
  for (const auto& item : *array) {
    if (!item.is_string()) {
      error(item.source(),
            fmt::format("\"{}\" must hold only strings, not {}", key, type_name(item)));
      ok = false;
      continue;
    }
    out.emplace_back(item.as_string()->get(), item.source());
  }
  return ok;
}

const toml::table* Reader::read_table(const toml::table& t, std::string_view key) {
  const toml::node* node = t.get(key);
  if (!node) return nullptr;
  if (!node->is_table()) {
    error(node->source(), fmt::format("\"{}\" must be a table, not {}", key, type_name(*node)));
    return nullptr;
  }
  return node->as_table();
}

bool Reader::read_bool(const toml::table& t, std::string_view key, bool& out) {
  const toml::node* node = t.get(key);
  if (!node) return false;
  if (!node->is_boolean()) {
    error(node->source(),
          fmt::format("\"{}\" must be true or false, not {}", key, type_name(*node)));
    return false;
  }
  out = node->as_boolean()->get();
  return true;
}

std::vector<const toml::table*> Reader::read_table_array(const toml::table& t,
                                                         std::string_view key) {
  std::vector<const toml::table*> tables;
  const toml::node* node = t.get(key);
  if (!node) return tables;
  const toml::array* array = node->as_array();
  if (!array) {
    error(node->source(),
          fmt::format("\"{}\" must be an array of tables: write [[...{}]]", key, key));
    return tables;
  }
  for (const auto& item : *array) {
    if (const toml::table* table = item.as_table()) {
      tables.push_back(table);
    } else {
      error(item.source(), fmt::format("each \"{}\" must be a table: write [[...{}]]", key, key));
    }
  }
  return tables;
}

void Reader::report_choice(const toml::table& t, std::string_view key, std::string_view text,
                           const std::vector<std::string_view>& names) {
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) list += i + 1 == names.size() ? " or " : ", ";
    list += fmt::format("\"{}\"", names[i]);
  }
  error(t.get(key)->source(), fmt::format("\"{}\": \"{}\" is not {}", key, text, list));
}

void Reader::read_auth(const toml::table& t, std::string_view where, AuthConfig& out) {
  check_keys(t, "authentication", where);
  if (!read_choice(t, "mode", {{"text", AuthMode::text}, {"md5", AuthMode::md5}}, out.mode)) {
    if (!t.contains("mode")) error(t.source(), fmt::format("{} needs a \"mode\"", where));
    return;
  }
  read_uint(t, "key_id", {0, 255}, out.key_id);
  if (!read_string(t, "key", out.key)) {
    if (!t.contains("key")) error(t.source(), fmt::format("{} needs a \"key\"", where));
  } else if (out.key.empty() || out.key.size() > 16) {
    error(t.get("key")->source(), "\"key\" must be 1 to 16 characters");
  }
}

}  // namespace anycastd::config
