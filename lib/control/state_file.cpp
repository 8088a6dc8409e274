// SPDX-License-Identifier: Apache-2.0
#include "control/state_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "util/unique_fd.hpp"

namespace anycastd::control {

namespace {

constexpr int kVersion = 1;

using util::UniqueFd;

std::string errno_text() {
  return std::strerror(errno);
}

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::set<std::string> StateFile::load() {
  last_error_.clear();
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec) && !ec) return {};
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    last_error_ = "cannot read state file " + path_ + ": " + errno_text();
  } else {
    std::ostringstream text;
    text << in.rdbuf();
    const auto doc = nlohmann::json::parse(text.str(), nullptr, false);
    const auto withdrawn = doc.is_object() ? doc.find("withdrawn") : doc.end();
    if (doc.is_discarded()) {
      last_error_ = "state file " + path_ + " is not valid JSON";
    } else if (!doc.is_object()) {
      last_error_ = "state file " + path_ + " is not a JSON object";
    } else if (!doc.contains("version") || doc["version"] != kVersion) {
      last_error_ = "state file " + path_ + " has an unknown version (expected 1)";
    } else if (withdrawn == doc.end() || !withdrawn->is_array()) {
      last_error_ = "state file " + path_ + " has no \"withdrawn\" list";
    } else {
      const bool all_strings =
          std::all_of(withdrawn->begin(), withdrawn->end(),
                      [](const nlohmann::json& name) { return name.is_string(); });
      if (all_strings) return withdrawn->get<std::set<std::string>>();
      last_error_ = "state file " + path_ + " lists a service that is not a string";
    }
  }
  spdlog::error("{}; starting with no withdrawn services (fix or delete the file)", last_error_);
  return {};
}

std::optional<std::string> StateFile::save(const std::set<std::string>& withdrawn) const {
  namespace fs = std::filesystem;
  const fs::path target(path_);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot create directory " + dir.string() + " for the state file: " + ec.message();

  nlohmann::json doc{{"version", kVersion}, {"withdrawn", withdrawn}};
  const std::string text =
      doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";

  // Built by appending: GCC 12 at -O3 flags `"." + std::string&&` with a false
  // -Wrestrict (GCC PR 105651), which breaks the Release build under -Werror.
  std::string temp_name = ".";
  temp_name += target.filename().string();
  temp_name += ".XXXXXX";
  std::string temp = (dir / temp_name).string();
  UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (fd.get() < 0) return "cannot create a temporary file next to " + path_ + ": " + errno_text();
  const auto fail = [&](const std::string& what) {
    const std::string message = what + ": " + errno_text();
    ::unlink(temp.c_str());
    return message;
  };
  if (::fchmod(fd.get(), 0640) != 0) return fail("cannot set the mode of " + temp);
  if (!write_all(fd.get(), text)) return fail("cannot write " + temp);
  if (::fsync(fd.get()) != 0) return fail("cannot sync " + temp);
  if (fd.close() != 0) return fail("cannot close " + temp);
  if (::rename(temp.c_str(), path_.c_str()) != 0)
    return fail("cannot rename " + temp + " to " + path_);
  // Make the rename itself durable.
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
  return std::nullopt;
}

}  // namespace anycastd::control
