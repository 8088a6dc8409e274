// SPDX-License-Identifier: Apache-2.0
#include "control/protocol.hpp"

#include <array>
#include <utility>

namespace anycastd::control {

namespace {

constexpr std::array<std::pair<std::string_view, Command>, 4> kCommands{{
    {"status", Command::status},
    {"withdraw", Command::withdraw},
    {"announce", Command::announce},
    {"reload", Command::reload},
}};

std::string json_quoted(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string_view to_string(Command command) {
  for (const auto& [name, value] : kCommands) {
    if (value == command) return name;
  }
  return "unknown";
}

std::variant<Request, std::string> parse_request(std::string_view line) {
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line.size() > kMaxRequestLine)
    return "request longer than " + std::to_string(kMaxRequestLine) +
           " bytes; send one short JSON object per line";
  const auto doc = nlohmann::json::parse(line, nullptr, false);
  if (doc.is_discarded())
    return std::string(
        "request is not valid JSON; send one JSON object per line, e.g. {\"command\":\"status\"}");
  if (!doc.is_object())
    return std::string("request must be a JSON object, e.g. {\"command\":\"status\"}");

  const auto command_it = doc.find("command");
  if (command_it == doc.end() || !command_it->is_string())
    return std::string(
        "request has no \"command\" string; use status, withdraw, announce or reload");
  const auto& name = command_it->get_ref<const std::string&>();
  std::optional<Command> command;
  for (const auto& [text, value] : kCommands) {
    if (text == name) command = value;
  }
  if (!command)
    return "unknown command " + json_quoted(name) + "; use status, withdraw, announce or reload";

  const bool takes_service = *command == Command::withdraw || *command == Command::announce;
  for (const auto& [key, value] : doc.items()) {
    if (key == "command") continue;
    if (takes_service && (key == "service" || key == "all")) continue;
    return "unknown field " + json_quoted(key) + " in " + std::string(to_string(*command)) +
           " request" + (takes_service ? "; it takes \"service\" or \"all\"" : "; it takes none");
  }

  Request request{*command, std::nullopt};
  if (!takes_service) return request;

  const auto service = doc.find("service");
  const auto all = doc.find("all");
  const std::string verb(to_string(*command));
  if (all != doc.end() && !all->is_boolean()) return verb + ": \"all\" must be true or false";
  const bool is_all = all != doc.end() && all->get<bool>();
  if (service != doc.end()) {
    if (is_all) return verb + ": give either \"service\" or \"all\": true, not both";
    if (!service->is_string() || service->get_ref<const std::string&>().empty())
      return verb + ": \"service\" must be a non-empty string naming a configured service";
    request.service = service->get<std::string>();
    return request;
  }
  if (!is_all) return verb + ": name a \"service\" or give \"all\": true";
  return request;
}

nlohmann::json to_json(const Request& request) {
  nlohmann::json out{{"command", std::string(to_string(request.command))}};
  if (request.command == Command::withdraw || request.command == Command::announce) {
    if (request.service) {
      out["service"] = *request.service;
    } else {
      out["all"] = true;
    }
  }
  return out;
}

std::string encode_reply(Reply reply) {
  nlohmann::json out;
  out["ok"] = reply.ok;
  if (reply.ok) {
    out["result"] = std::move(reply.result);  // a status document can be large
  } else {
    out["error"] = reply.error;
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace anycastd::control
