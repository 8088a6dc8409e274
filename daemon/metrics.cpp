// SPDX-License-Identifier: Apache-2.0
#include "metrics.hpp"

#include <nlohmann/json.hpp>

namespace anycastd {
namespace {

using metrics::Family;
using metrics::Type;

constexpr core::Health kStates[] = {core::Health::init, core::Health::up, core::Health::degraded,
                                    core::Health::down, core::Health::held_down};

std::string str(std::string_view s) {
  return std::string(s);
}

double number(const nlohmann::json& j, std::string_view key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::string text(const nlohmann::json& j, std::string_view key) {
  const auto it = j.find(key);
  if (it == j.end()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

void add_services(const MetricsView& v, std::vector<Family>& out) {
  Family up{"anycastd_service_up",
            "1 while the service is healthy and announced (also degraded: announced with a "
            "worse metric), 0 otherwise",
            Type::gauge};
  Family state{"anycastd_service_state", "1 for the service's current health state", Type::gauge};
  Family admin{"anycastd_service_admin_withdrawn", "1 while withdrawn with anycastctl withdraw",
               Type::gauge};
  Family duration{"anycastd_check_duration_seconds", "How long each check took", Type::histogram};
  Family results{"anycastd_check_results_total", "Check results by outcome", Type::counter};
  for (const auto& service : v.config.services) {
    const auto it = v.services.find(service.name);
    if (it == v.services.end()) continue;
    const auto& m = *it->second;
    up.add({{"service", service.name}}, m.desired_action() != core::RouteAction::withdraw);
    for (const auto s : kStates) {
      state.add({{"service", service.name}, {"state", str(core::to_string(s))}}, m.health() == s);
    }
    admin.add({{"service", service.name}}, m.admin_withdrawn());
    const auto labels = check_labels(m.config());
    const auto& stats = m.check_stats();
    for (std::size_t i = 0; i < stats.size() && i < labels.size(); ++i) {
      duration.histograms.push_back(
          {{{"service", service.name}, {"check", labels[i]}}, &stats[i].duration});
      results.add({{"service", service.name}, {"check", labels[i]}, {"result", "pass"}},
                  static_cast<double>(stats[i].passes));
      results.add({{"service", service.name}, {"check", labels[i]}, {"result", "fail"}},
                  static_cast<double>(stats[i].failures));
    }
  }
  Family transitions{"anycastd_service_transitions_total",
                     "Health state changes of each service, by the state entered", Type::counter};
  for (const auto& [key, count] : v.counters.transitions)
    transitions.add({{"service", key.first}, {"to", key.second}}, static_cast<double>(count));
  for (auto* f : {&up, &state, &admin, &transitions, &duration, &results})
    out.push_back(std::move(*f));
}

void add_prefixes(const MetricsView& v, std::vector<Family>& out) {
  Family announced{"anycastd_prefix_announced",
                   "1 while the prefix is offered to the protocol (announced or degraded)",
                   Type::gauge};
  for (const auto& protocol : v.protocols) {
    for (const auto& service : v.config.services) {
      for (const auto& prefix : service.prefixes) {
        const auto it = v.bus.routes().find(prefix);
        const bool on = it != v.bus.routes().end() && it->second.service == service.name;
        announced.add({{"prefix", prefix.to_string()},
                       {"service", service.name},
                       {"protocol", str(protocol->name())}},
                      on);
      }
    }
  }
  out.push_back(std::move(announced));
}

void add_bgp(const nlohmann::json& status, std::vector<Family>& out) {
  Family up{"anycastd_bgp_session_up", "1 while the BGP session is Established", Type::gauge};
  Family messages{"anycastd_bgp_messages_total", "BGP messages by direction and type",
                  Type::counter};
  Family notifications{"anycastd_bgp_notifications_total",
                       "BGP NOTIFICATIONs by direction, error code and subcode (RFC 4271 §4.5)",
                       Type::counter};
  for (const auto& n : status.value("neighbors", nlohmann::json::array())) {
    const std::string peer = text(n, "address");
    up.add({{"peer", peer}, {"peer_asn", text(n, "remote_asn")}},
           text(n, "state") == "Established");
    for (const auto& [direction, key] :
         {std::pair{"in", "received_by_type"}, std::pair{"out", "sent_by_type"}}) {
      for (const auto& [type, count] : n.value(key, nlohmann::json::object()).items()) {
        messages.add({{"peer", peer}, {"direction", direction}, {"type", type}},
                     count.get<double>());
      }
    }
    // "code/subcode" -> count (PROTOCOL.md, protocols.bgp).
    for (const auto& [direction, key] :
         {std::pair{"in", "notifications_received"}, std::pair{"out", "notifications_sent"}}) {
      for (const auto& [code_subcode, count] : n.value(key, nlohmann::json::object()).items()) {
        const auto slash = code_subcode.find('/');
        notifications.add(
            {{"peer", peer},
             {"direction", direction},
             {"code", code_subcode.substr(0, slash)},
             {"subcode",
              slash == std::string::npos ? std::string("0") : code_subcode.substr(slash + 1)}},
            count.get<double>());
      }
    }
  }
  for (auto* f : {&up, &messages, &notifications})
    out.push_back(std::move(*f));
}

void add_ospf(const nlohmann::json& status, std::vector<Family>& out) {
  Family state{"anycastd_ospf_neighbor_state",
               "OSPF neighbour state as RFC 4750 ospfNbrState: Down 1, Attempt 2, Init 3, 2-Way "
               "4, ExStart 5, Exchange 6, Loading 7, Full 8",
               Type::gauge};
  for (const auto& n : status.value("neighbors", nlohmann::json::array())) {
    state.add({{"interface", text(n, "interface")}, {"neighbor", text(n, "router_id")}},
              ospf_neighbor_state_number(text(n, "state")));
  }
  out.push_back(std::move(state));
}

void add_rip(const nlohmann::json& status, std::vector<Family>& out) {
  Family updates{"anycastd_rip_updates_total",
                 "RIP responses (full or triggered updates) sent, and accepted from neighbours",
                 Type::counter};
  for (const auto& i : status.value("interfaces", nlohmann::json::array())) {
    const std::string name = text(i, "name");
    updates.add({{"interface", name}, {"direction", "out"}}, number(i, "updates_sent"));
    updates.add({{"interface", name}, {"direction", "in"}}, number(i, "updates_received"));
  }
  out.push_back(std::move(updates));
}

// core/drops.hpp PacketCounters, as each protocol's status carries them.
void add_bfd(const nlohmann::json& status, std::vector<Family>& out) {
  Family up{"anycastd_bfd_session_up", "1 while the BFD session is Up", Type::gauge};
  Family transitions{"anycastd_bfd_state_transitions_total",
                     "BFD session state changes by the state entered (RFC 5880 §6.2)",
                     Type::counter};
  for (const auto& s : status.value("sessions", nlohmann::json::array())) {
    const std::string peer = text(s, "peer");
    up.add({{"peer", peer}, {"interface", text(s, "interface")}}, text(s, "state") == "Up");
    for (const auto& [to, count] : s.value("transitions", nlohmann::json::object()).items())
      transitions.add({{"peer", peer}, {"to", to}}, count.get<double>());
  }
  out.push_back(std::move(up));
  out.push_back(std::move(transitions));
}

void add_packets(const std::vector<std::pair<std::string, nlohmann::json>>& statuses,
                 std::vector<Family>& out) {
  Family received{"anycastd_packets_received_total",
                  "Packets a protocol received; each is accepted or dropped for one reason",
                  Type::counter};
  Family dropped{"anycastd_packets_dropped_total", "Packets a protocol dropped, by reason",
                 Type::counter};
  for (const auto& [protocol, status] : statuses) {
    if (!status.contains("received")) continue;
    received.add({{"protocol", protocol}}, number(status, "received"));
    for (const auto& [reason, count] : status.value("dropped", nlohmann::json::object()).items())
      dropped.add({{"protocol", protocol}, {"reason", reason}}, count.get<double>());
  }
  out.push_back(std::move(received));
  out.push_back(std::move(dropped));
}

}  // namespace

std::vector<std::string> check_labels(const config::ServiceConfig& service) {
  std::vector<std::string> labels;
  std::map<config::CheckType, int> seen;
  for (const auto& check : service.checks) {
    const int n = ++seen[check.type];
    std::string label = str(config::to_string(check.type));
    if (n > 1) label += "_" + std::to_string(n);
    labels.push_back(std::move(label));
  }
  return labels;
}

int ospf_neighbor_state_number(std::string_view state) {
  static constexpr std::pair<std::string_view, int> kStates[] = {
      {"Down", 1},    {"Attempt", 2},  {"Init", 3},    {"2-Way", 4},
      {"ExStart", 5}, {"Exchange", 6}, {"Loading", 7}, {"Full", 8}};
  for (const auto& [name, number] : kStates) {
    if (name == state) return number;
  }
  return 0;
}

std::vector<metrics::Family> collect_metrics(const MetricsView& v) {
  std::vector<metrics::Family> out;
  out.push_back(
      metrics::Family{"anycastd_build_info", "The running anycastd's version", Type::gauge}.add(
          {{"version", ANYCASTD_VERSION}}, 1));
  out.push_back(metrics::Family{"anycastd_up", "1 while anycastd runs", Type::gauge}.add({}, 1));
  out.push_back(metrics::Family{
      "anycastd_config_last_reload_successful",
      "1 if the last reload (or the start) applied its file, 0 if it was rejected", Type::gauge}
                    .add({}, v.counters.last_reload_ok));
  out.push_back(
      metrics::Family{"anycastd_config_last_reload_success_timestamp_seconds",
                      "When the config was last loaded successfully, in seconds since the epoch",
                      Type::gauge}
          .add({}, std::chrono::duration<double>(v.counters.last_reload_success.time_since_epoch())
                       .count()));
  add_services(v, out);
  add_prefixes(v, out);
  std::vector<std::pair<std::string, nlohmann::json>> statuses;
  for (const auto& p : v.protocols)
    statuses.emplace_back(str(p->name()), p->status());
  for (const auto& [name, status] : statuses) {
    if (name == "bgp") add_bgp(status, out);
    if (name == "ospf") add_ospf(status, out);
    if (name == "rip") add_rip(status, out);
  }
  if (v.bfd.is_object()) {
    add_bfd(v.bfd, out);
    statuses.emplace_back("bfd", v.bfd);
  }
  add_packets(statuses, out);
  metrics::Family control{"anycastd_control_requests_total",
                          "Control socket requests (anycastctl) by command and result",
                          Type::counter};
  for (const auto& [key, count] : v.counters.control)
    control.add({{"command", key.first}, {"result", key.second}}, static_cast<double>(count));
  out.push_back(std::move(control));
  return out;
}

}  // namespace anycastd
