// SPDX-License-Identifier: Apache-2.0
// The file check: the maintenance flag. Fails while `path` exists, so that
// configuration management (or an operator's `touch`) can drain a node
// without talking to the daemon. One stat(2) per round: no read, no watch
// to keep in step with a file that is replaced or a directory that
// appears later.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "probe/probe.hpp"

namespace anycastd::probe {
namespace {

class FileProbe final : public Probe {
 public:
  FileProbe(boost::asio::io_context& io, std::string path) : Probe(io), path_(std::move(path)) {}

 private:
  void start(Generation gen) override {
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0) {
      finish_later(gen, false, "maintenance file " + path_ + " exists");
    } else if (errno == ENOENT || errno == ENOTDIR) {
      finish_later(gen, true, "no maintenance file");
    } else {
      // Cannot tell: a flag we cannot see must not let the node back in.
      finish_later(gen, false, "stat " + path_ + ": " + std::strerror(errno));
    }
  }
  void stop() override {}

  std::string path_;
};

}  // namespace

std::shared_ptr<Probe> make_file_probe(boost::asio::io_context& io,
                                       const config::CheckConfig& cfg) {
  return std::make_shared<FileProbe>(io, cfg.path);
}

}  // namespace anycastd::probe
