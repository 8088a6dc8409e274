// SPDX-License-Identifier: Apache-2.0
// anycastctl: the operator's command line for a running anycastd (spec §2).
// Exit codes: 0 ok, 1 the daemon refused, 2 usage error, 3 daemon not reachable.
#include <chrono>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "control/client.hpp"
#include "control/protocol.hpp"
#include "control/render.hpp"

namespace {

using anycastd::control::ClientError;
using anycastd::control::Command;
using anycastd::control::Request;

constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnreachable = 3;

struct Target {
  std::string service;
  bool all = false;
};

void add_target(CLI::App& command, Target& target, const std::string& verb) {
  command.add_option("service", target.service, "the service to " + verb);
  command.add_flag("--all", target.all, "every service");
}

// The service of a withdraw/announce, or a usage error.
std::optional<std::string> target_error(const Target& target, const std::string& verb) {
  if (target.all && !target.service.empty())
    return verb + ": give a service name or --all, not both";
  if (!target.all && target.service.empty()) return verb + ": name a service or give --all";
  return std::nullopt;
}

std::string unreachable_message(const ClientError& error) {
  switch (error.kind) {
    case ClientError::Kind::unreachable:
      if (error.error_number == EACCES || error.error_number == EPERM)
        return error.message + " — run as root or as a member of the daemon's group";
      return error.message + " — is the daemon running? (use -s to give another socket)";
    case ClientError::Kind::timeout:
      return error.message + " — it may be stuck; check `systemctl status anycastd`";
    case ClientError::Kind::protocol:
      return error.message + " — is this anycastd's socket? (use -s to give another socket)";
  }
  return error.message;
}

std::string success_message(const Request& request, const nlohmann::json& result) {
  if (result.is_object() && result.contains("message") && result["message"].is_string())
    return result["message"].get<std::string>();
  const std::string who = request.service ? *request.service : "every service";
  const std::string arg = request.service ? *request.service : "--all";
  switch (request.command) {
    case Command::withdraw:
      return who + " withdrawn; stays so across restarts until `anycastctl announce " + arg + "`";
    case Command::announce:
      return who + " no longer withdrawn by the operator; announced while its checks pass";
    case Command::reload:
      return "configuration reloaded";
    case Command::status:
      break;
  }
  return "ok";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Control a running anycastd: show its status, drain services, reload.",
               "anycastctl"};
  std::string socket = "/run/anycastd/anycastd.sock";
  int timeout_s = 10;
  app.add_option("-s,--socket", socket, "control socket of the daemon")->capture_default_str();
  app.add_option("-t,--timeout", timeout_s, "seconds to wait for the daemon's answer")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.set_version_flag("--version", ANYCASTD_VERSION);
  app.require_subcommand(0, 1);

  bool json = false;
  auto* status = app.add_subcommand("status", "services, checks, announced prefixes, neighbours");
  status->add_flag("--json", json, "print the status as JSON (schema: lib/control/PROTOCOL.md)");
  Target withdraw_target;
  auto* withdraw =
      app.add_subcommand("withdraw", "withdraw a service's prefixes (persists across restarts)");
  add_target(*withdraw, withdraw_target, "withdraw");
  Target announce_target;
  auto* announce = app.add_subcommand("announce", "undo withdraw");
  add_target(*announce, announce_target, "announce");
  auto* reload = app.add_subcommand(
      "reload", "re-read the configuration and wait for the result; exits 1 if it is rejected");
  auto* services =
      app.add_subcommand("services", "the configured service names, one a line (for scripts)");
  // Set after the subcommands so they stay strict; what lands here is an
  // unknown command, reported below in our words.
  app.allow_extras();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    std::cerr << "anycastctl: " << e.what() << "; see anycastctl --help\n";
    return kExitUsage;
  }
  if (!app.remaining().empty() || app.get_subcommands().empty()) {
    std::cerr << "anycastctl: "
              << (app.remaining().empty() ? std::string("no command given")
                                          : "unknown command \"" + app.remaining().front() + "\"")
              << "; use status, withdraw, announce, reload or services (see anycastctl --help)\n";
    return kExitUsage;
  }

  Request request;
  if (withdraw->parsed() || announce->parsed()) {
    const bool is_withdraw = withdraw->parsed();
    const Target& target = is_withdraw ? withdraw_target : announce_target;
    const std::string verb = is_withdraw ? "withdraw" : "announce";
    if (auto error = target_error(target, verb)) {
      std::cerr << "anycastctl: " << *error << "; see anycastctl " << verb << " --help\n";
      return kExitUsage;
    }
    request.command = is_withdraw ? Command::withdraw : Command::announce;
    if (!target.all) request.service = target.service;
  } else if (reload->parsed()) {
    request.command = Command::reload;
  } else {
    request.command = Command::status;
  }

  const auto timeout = std::chrono::seconds(timeout_s);
  auto response = anycastd::control::request(socket, to_json(request), timeout);
  if (const auto* error = std::get_if<ClientError>(&response)) {
    std::cerr << "anycastctl: " << unreachable_message(*error) << "\n";
    return kExitUnreachable;
  }
  const auto& reply = std::get<nlohmann::json>(response);
  if (!reply["ok"].get<bool>()) {
    const auto error = reply.contains("error") && reply["error"].is_string()
                           ? reply["error"].get<std::string>()
                           : std::string("anycastd refused the request without saying why");
    std::cerr << "anycastctl: " << error << "\n";
    return kExitRefused;
  }
  const auto result = reply.contains("result") ? reply["result"] : nlohmann::json::object();
  if (request.command == Command::status) {
    if (services->parsed()) {
      for (const auto& service : result.value("services", nlohmann::json::array())) {
        if (service.contains("name") && service["name"].is_string())
          std::cout << service["name"].get<std::string>() << "\n";
      }
    } else if (json) {
      std::cout << result.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
      std::cout << anycastd::control::render_status(result);
    }
    return 0;
  }
  std::cout << success_message(request, result) << "\n";
  return 0;
}
