// SPDX-License-Identifier: Apache-2.0
// anycastd: announce anycast service addresses while the service is healthy.
#include <sys/prctl.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <spdlog/spdlog.h>

#include "config/config.hpp"
#include "daemon.hpp"
#include "session/log.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "anycastd: announce anycast service addresses over RIPv2, OSPFv2 or BGP-4 while "
      "the service is healthy"};
  std::string config_path = "/etc/anycastd.toml";
  bool check = false;
  bool version = false;
  app.add_option("-c,--config", config_path, "Configuration file")->capture_default_str();
  app.add_flag("--check", check, "Validate the configuration, print problems, exit 0 or 1");
  app.add_flag("--version", version, "Print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (version) {
    std::printf("anycastd %s\n", ANYCASTD_VERSION);
    return 0;
  }

  // Logs go to stderr; under systemd, journald adds its own time stamps.
  spdlog::set_default_logger(anycastd::session::make_stderr_logger("anycastd"));
  const auto loaded = anycastd::config::load(config_path);
  // Under journald the config's problems carry their priority too.
  const bool journal = anycastd::session::stderr_is_journal();
  const auto warning = journal ? anycastd::session::syslog_prefix(spdlog::level::warn) : "";
  const auto error = journal ? anycastd::session::syslog_prefix(spdlog::level::err) : "";
  for (const auto& w : loaded.warnings)
    std::fprintf(stderr, "%.*swarning: %s\n", static_cast<int>(warning.size()), warning.data(),
                 w.to_string().c_str());
  for (const auto& e : loaded.errors)
    std::fprintf(stderr, "%.*s%s\n", static_cast<int>(error.size()), error.data(),
                 e.to_string().c_str());
  if (check) {
    if (!loaded.config) return 1;
    std::printf("%s: OK (%zu services)\n", config_path.c_str(), loaded.config->services.size());
    return 0;
  }
  if (!loaded.config) {
    std::fprintf(stderr, "%.*sanycastd: %s has %zu error(s); not starting\n",
                 static_cast<int>(error.size()), error.data(), config_path.c_str(),
                 loaded.errors.size());
    return 1;
  }
  // The systemd unit hands us CAP_NET_ADMIN, CAP_NET_RAW and
  // CAP_NET_BIND_SERVICE as ambient capabilities. They are ours now; clearing
  // the ambient set keeps exec checks from inheriting them.
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  anycastd::Daemon daemon(*loaded.config);
  return daemon.run();
}
