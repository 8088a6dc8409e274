// SPDX-License-Identifier: Apache-2.0
// The daemon's persistent state: which services an operator withdrew with
// `anycastctl withdraw`, so a drain survives a restart (spec §2).
//
//   {"version":1,"withdrawn":["dns"]}
#pragma once

#include <optional>
#include <set>
#include <string>

namespace anycastd::control {

class StateFile {
 public:
  explicit StateFile(std::string path) : path_(std::move(path)) {}

  // The withdrawn services. A missing file is an empty set; an unreadable or
  // corrupt one is logged, remembered in last_error() and treated as empty.
  std::set<std::string> load();
  // Why the last load() found nothing usable; empty when it was fine.
  const std::string& last_error() const { return last_error_; }

  // Replaces the file atomically (temporary file in the same directory,
  // fsync, rename, fsync of the directory), creating the directory if
  // missing. Returns a one-line error, or nullopt on success.
  std::optional<std::string> save(const std::set<std::string>& withdrawn) const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string last_error_;
};

}  // namespace anycastd::control
