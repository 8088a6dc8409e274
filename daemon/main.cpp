// anycastd: announce anycast service addresses while the service is healthy.
#include <sys/prctl.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "config/config.hpp"
#include "daemon.hpp"

namespace {

// Logs go to stderr; under systemd, journald adds its own timestamps.
void setup_logging() {
  auto logger = spdlog::stderr_color_mt("anycastd");
  if (std::getenv("JOURNAL_STREAM")) {
    logger->set_pattern("%l: %v");
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$: %v");
  }
  spdlog::set_default_logger(logger);
}

}  // namespace

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

  setup_logging();
  const auto loaded = anycastd::config::load(config_path);
  for (const auto& w : loaded.warnings)
    std::fprintf(stderr, "warning: %s\n", w.to_string().c_str());
  for (const auto& e : loaded.errors)
    std::fprintf(stderr, "%s\n", e.to_string().c_str());
  if (check) {
    if (!loaded.config) return 1;
    std::printf("%s: OK (%zu services)\n", config_path.c_str(), loaded.config->services.size());
    return 0;
  }
  if (!loaded.config) {
    std::fprintf(stderr, "anycastd: %s has %zu error(s); not starting\n", config_path.c_str(),
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
