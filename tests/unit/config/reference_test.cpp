// SPDX-License-Identifier: Apache-2.0
// The operator's references name every key the parser accepts, and no other:
// conf/anycastd.toml (each key with its default; optional ones commented
// out) and anycastd.toml(5). Both are compared with config/schema.hpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "config/schema.hpp"

namespace anycastd::config {
namespace {

using KeysByTable = std::map<std::string, std::set<std::string>>;

std::string read(const std::string& relative) {
  const std::string path = std::string(ANYCASTD_SOURCE_DIR) + relative;
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  return {std::istreambuf_iterator<char>(in), {}};
}

// Records a table header's path as a key of its parent ([bgp.neighbor] ->
// "neighbor" in "bgp"; [daemon] -> "daemon" at the top level).
void add_header(KeysByTable& keys, const std::string& path) {
  const auto dot = path.rfind('.');
  if (dot == std::string::npos) {
    keys[""].insert(path);
  } else {
    keys[path.substr(0, dot)].insert(path.substr(dot + 1));
  }
}

// Keys written in the reference config, commented out or not. A commented
// key line is "# key = value" right after the comment sign; a check table's
// keys belong to "service.check.TYPE" by its `type` line.
KeysByTable reference_keys(const std::string& text) {
  static const std::regex header(R"(^\s*(?:#\s*)?\[\[?([a-z_.]+)\]\]?\s*(#.*)?$)");
  static const std::regex key(R"(^\s*(?:#\s*)?([a-z_]+) = (.*)$)");
  static const std::regex inline_key(R"(([a-z_]+) = )");
  static const std::regex type_value(R"(^"([a-z]+)\")");
  KeysByTable keys;
  std::string table;
  std::set<std::string> check_keys;
  std::string check_type;
  auto end_table = [&] {
    if (table == "service.check") keys["service.check." + check_type] = check_keys;
    check_keys.clear();
    check_type.clear();
  };
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, header)) {
      end_table();
      table = m[1];
      add_header(keys, table);
    } else if (std::regex_match(line, m, key)) {
      const std::string name = m[1];
      const std::string value = m[2];
      if (table == "service.check") {
        check_keys.insert(name);
        std::smatch t;
        if (name == "type" && std::regex_search(value, t, type_value)) check_type = t[1];
      } else {
        keys[table].insert(name);
      }
      // An inline table's keys: { mode = "md5", key_id = 1, ... }.
      const auto brace = value.find('{');
      if (brace != std::string::npos) {
        const std::string inner = value.substr(brace, value.find('}') - brace);
        for (std::sregex_iterator it(inner.begin(), inner.end(), inline_key), end; it != end; ++it)
          keys[name].insert((*it)[1]);
      }
    }
  }
  end_table();
  return keys;
}

KeysByTable schema_keys() {
  KeysByTable keys;
  for (const auto& table : schema()) {
    auto& set = keys[std::string(table.path)];
    for (const auto k : table.keys)
      set.insert(std::string(k));
  }
  return keys;
}

TEST(Reference, ConfigFileNamesEveryKeyAndNoOther) {
  const auto found = reference_keys(read("/conf/anycastd.toml"));
  const auto wanted = schema_keys();
  for (const auto& [table, keys] : wanted) {
    const auto it = found.find(table);
    const std::set<std::string> have = it == found.end() ? std::set<std::string>{} : it->second;
    EXPECT_EQ(have, keys) << "conf/anycastd.toml, table \"" << table << "\"";
  }
  for (const auto& [table, keys] : found) {
    EXPECT_TRUE(wanted.count(table))
        << "conf/anycastd.toml has a table \"" << table << "\" that the parser does not know";
  }
}

// anycastd.toml(5): every key of a table appears as `.BR key " = "` under
// the table's heading (.SH [daemon], .SS [[bgp.neighbor]], .SS dns under
// .SH [[service.check]]). Keys that are tables themselves have headings of
// their own; the inline authentication table is described where it is used.
TEST(Reference, ManPageNamesEveryKeyAndNoOther) {
  static const std::regex heading(R"(^\.S[HS] \[\[?([a-z_.]+)\]\]?\s*$)");
  static const std::regex check_type(R"(^\.SS ([a-z]+)\s*$)");
  static const std::regex entry(R"(([a-z_]+) " = )");
  KeysByTable found;
  std::string table;
  std::istringstream lines(read("/man/anycastd.toml.5"));
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, heading)) {
      table = m[1];
    } else if (std::regex_match(line, m, check_type) && table.starts_with("service.check")) {
      table = "service.check." + std::string(m[1]);
    } else if (line.starts_with(".BR ") && !table.empty()) {
      for (std::sregex_iterator it(line.begin(), line.end(), entry), end; it != end; ++it) {
        const std::string key = (*it)[1];
        // authentication = { mode = ..., key_id = ..., key = ... } on one line.
        found[line.find("authentication") != std::string::npos && key != "authentication"
                  ? "authentication"
                  : table]
            .insert(key);
      }
    }
  }
  for (const auto& [table, keys] : schema_keys()) {
    if (table.empty()) continue;  // the sections are the headings
    std::set<std::string> want;
    for (const auto& k : keys) {
      if (!schema_keys().count(table + "." + k) && !(table == "service" && k == "check")) {
        want.insert(k);
      }
    }
    // A check table's `type` is described once, above the types.
    if (table.starts_with("service.check.")) {
      want.erase("type");
    }
    EXPECT_EQ(found[table], want) << "anycastd.toml(5), table \"" << table << "\"";
  }
}

}  // namespace
}  // namespace anycastd::config
