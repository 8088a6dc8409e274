// SPDX-License-Identifier: Apache-2.0
#include "control/render.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace anycastd::control {

namespace {

using nlohmann::json;

const json* field(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// A scalar as text; nullopt for a missing key, null, object or array.
std::optional<std::string> text(const json& object, const char* key) {
  const json* value = field(object, key);
  if (value == nullptr) return std::nullopt;
  switch (value->type()) {
    case json::value_t::string:
      return value->get<std::string>();
    case json::value_t::number_integer:
      return std::to_string(value->get<std::int64_t>());
    case json::value_t::number_unsigned:
      return std::to_string(value->get<std::uint64_t>());
    case json::value_t::number_float:
      return fmt::format("{:g}", value->get<double>());
    case json::value_t::boolean:
      return value->get<bool>() ? "true" : "false";
    case json::value_t::null:
    case json::value_t::object:
    case json::value_t::array:
    case json::value_t::binary:
    case json::value_t::discarded:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::int64_t> integer(const json& object, const char* key) {
  const json* value = field(object, key);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  const double d = value->get<double>();
  if (!std::isfinite(d) || std::fabs(d) > 1e15) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

std::optional<std::string> seconds(const json& object, const char* key) {
  const auto value = integer(object, key);
  if (!value) return std::nullopt;
  return format_seconds(*value);
}

bool flag(const json& object, const char* key) {
  const json* value = field(object, key);
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

// The string elements of an array, joined.
std::string join(const json& object, const char* key, const char* separator) {
  const json* value = field(object, key);
  std::string out;
  if (value == nullptr || !value->is_array()) return out;
  for (const auto& item : *value) {
    if (!item.is_string()) continue;
    if (!out.empty()) out += separator;
    out += item.get<std::string>();
  }
  return out;
}

const json& array(const json& object, const char* key) {
  static const json empty = json::array();
  const json* value = field(object, key);
  return value != nullptr && value->is_array() ? *value : empty;
}

std::string header(const json& status) {
  std::string out = "anycastd";
  if (auto version = text(status, "version")) out += " " + *version;
  if (auto router_id = text(status, "router_id")) out += ", router-id " + *router_id;
  if (auto uptime = seconds(status, "uptime_s")) out += ", up " + *uptime;
  return out + "\n";
}

using Row = std::array<std::string, 6>;

Row service_row(const json& service) {
  Row row;
  row[0] = text(service, "name").value_or("?");
  row[1] = text(service, "state").value_or("-");
  row[2] = text(service, "announce").value_or("-");
  if (flag(service, "admin_withdrawn")) row[2] = "withdraw (admin)";
  row[3] = join(service, "prefixes", ",");
  if (row[3].empty()) row[3] = "-";
  row[4] = seconds(service, "since_s").value_or("-");
  std::string reason = text(service, "reason").value_or("");
  const auto hold_down = integer(service, "hold_down_s");
  if (hold_down && *hold_down > 0)
    reason += (reason.empty() ? "" : ", ") + ("held down " + format_seconds(*hold_down));
  const auto flaps = integer(service, "flaps");
  if (flaps && *flaps > 0)
    reason += (reason.empty() ? "" : ", ") + std::to_string(*flaps) + " flaps";
  row[5] = reason;
  return row;
}

std::string check_line(const json& check) {
  std::string out = "  check";
  if (auto type = text(check, "type")) out += " " + *type;
  if (auto target = text(check, "target")) out += " " + *target;
  // A check whose failure only degrades says so; withdrawing is the default.
  if (text(check, "on_failure") == "degrade") out += " (degrades)";
  out += ": " + text(check, "last").value_or("none");
  if (auto detail = text(check, "detail"); detail && !detail->empty()) out += ", " + *detail;
  const auto passes = text(check, "passes");
  const auto failures = text(check, "failures");
  if (passes || failures)
    out += " (" + passes.value_or("0") + " ok, " + failures.value_or("0") + " failed)";
  return out + "\n";
}

std::string table(const json& services) {
  std::vector<Row> rows{{"SERVICE", "STATE", "ROUTE", "PREFIXES", "SINCE", "REASON"}};
  for (const auto& service : services)
    rows.push_back(service_row(service));
  std::array<std::size_t, 6> width{};
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      line += rows[r][i];
      if (i + 1 < rows[r].size()) line += std::string(width[i] - rows[r][i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
    if (r == 0) continue;
    for (const auto& check : array(services[r - 1], "checks"))
      out += check_line(check);
  }
  return out;
}

// The sum of a {"reason": count} object's counts, and "reason n, reason n"
// of the non-zero ones.
std::pair<std::uint64_t, std::string> count_reasons(const json& dropped) {
  std::uint64_t total = 0;
  std::string reasons;
  if (!dropped.is_object()) return {total, reasons};
  for (const auto& [reason, count] : dropped.items()) {
    if (!count.is_number_unsigned() || count.get<std::uint64_t>() == 0) continue;
    total += count.get<std::uint64_t>();
    reasons +=
        fmt::format("{}{} {}", reasons.empty() ? "" : ", ", reason, count.get<std::uint64_t>());
  }
  return {total, reasons};
}

// BFD: one line per session, e.g. "bfd: 198.18.1.1 on eth1 (ospf) Up for 42s,
// diag none/none, tx 300ms rx 300ms, detect 900ms, up->down 0, packets in 120
// out 130 dropped 0".
std::string bfd_session_line(const std::string& name, const json& session) {
  std::string line = name + ": " + text(session, "peer").value_or("?");
  if (auto interface = text(session, "interface"); interface && !interface->empty())
    line += " on " + *interface;
  if (auto clients = join(session, "clients", ","); !clients.empty()) line += " (" + clients + ")";
  line += " " + text(session, "state").value_or("?");
  if (auto uptime = seconds(session, "uptime_s")) line += " for " + *uptime;
  // RFC 5882 §3.3: a session that never came Up blocks nothing.
  if (!flag(session, "ever_up")) line += " (never Up; blocks nothing)";
  line += ", diag " + text(session, "local_diag").value_or("?") + "/" +
          text(session, "remote_diag").value_or("?");
  line +=
      fmt::format(", tx {}ms rx {}ms, detect {}ms", text(session, "tx_interval_ms").value_or("?"),
                  text(session, "rx_interval_ms").value_or("?"),
                  text(session, "detection_time_ms").value_or("?"));
  line += ", up->down " + text(session, "up_to_down").value_or("0");
  const json* drops = field(session, "dropped");
  const auto [dropped, reasons] = count_reasons(drops ? *drops : json::object());
  line += fmt::format(", packets in {} out {} dropped {}", text(session, "received").value_or("0"),
                      text(session, "sent").value_or("0"), dropped);
  if (!reasons.empty()) line += " (" + reasons + ")";
  return line + "\n";
}

// OSPF: what carries an announced prefix, from its "lsa" name.
std::string lsa_carrier(const std::string& lsa) {
  if (lsa == "router") return "a stub link of the router-LSA";
  if (lsa == "external") return "type-5 LSA";
  if (lsa == "nssa_external") return "type-7 LSA";
  return "no LSA";
}

std::string protocol_lines(const std::string& name, const json& protocol) {
  std::string out;
  for (const auto& session : array(protocol, "sessions"))
    out += bfd_session_line(name, session);
  if (auto type = text(protocol, "area_type")) {  // OSPF
    out += fmt::format("{}: area {} ({}), prefixes as {}\n", name,
                       text(protocol, "area").value_or("?"), *type,
                       text(protocol, "announce_as").value_or("?"));
  }
  for (const auto& interface : array(protocol, "interfaces")) {
    std::string line = name + ": " + text(interface, "name").value_or("?");
    if (auto state = text(interface, "state")) line += " " + *state;  // OSPF
    if (auto dr = text(interface, "dr")) line += ", DR " + *dr;
    if (auto bdr = text(interface, "bdr")) line += ", BDR " + *bdr;
    if (auto sent = text(interface, "sent")) line += " sent " + *sent;
    if (auto received = text(interface, "received")) line += " received " + *received;
    if (auto neighbors = join(interface, "neighbors", ", "); !neighbors.empty())
      line += ", neighbors " + neighbors;
    if (auto last = seconds(interface, "last_update_s")) line += ", last update " + *last + " ago";
    out += line + "\n";
  }
  for (const auto& neighbor : array(protocol, "neighbors")) {
    std::string line = name + ": neighbor " + text(neighbor, "address").value_or("?");
    if (auto id = text(neighbor, "router_id")) line += " (router-id " + *id + ")";
    if (auto asn = text(neighbor, "remote_asn")) line += " AS" + *asn;
    if (auto state = text(neighbor, "state")) line += " " + *state;
    if (auto uptime = seconds(neighbor, "uptime_s")) line += " for " + *uptime;
    if (auto dead = seconds(neighbor, "dead_in_s")) line += ", dead in " + *dead;
    if (auto sent = text(neighbor, "prefixes_sent")) line += ", " + *sent + " prefixes sent";
    // BGP: the non-zero counters of each kind, "RFC 7606 treat_as_withdraw 1".
    for (const auto& [key, label] :
         {std::pair{"rfc7606", "RFC 7606"}, std::pair{"notifications_sent", "NOTIFICATIONs sent"},
          std::pair{"notifications_received", "NOTIFICATIONs received"}}) {
      if (const json* counts = field(neighbor, key)) {
        if (const auto [total, reasons] = count_reasons(*counts); total > 0)
          line += fmt::format(", {} {}", label, reasons);
      }
    }
    if (auto error = text(neighbor, "last_error"); error && !error->empty()) {
      line += ", last error: " + *error;
    }
    out += line + "\n";
  }
  if (const json* lsdb = field(protocol, "lsdb"); lsdb && lsdb->is_object()) {  // OSPF
    std::string line = name + ": LSDB " + text(*lsdb, "total").value_or("?") + " LSAs";
    if (auto limit = text(*lsdb, "limit")) line += " (limit " + *limit + ")";
    if (auto seq = text(protocol, "router_lsa_seq")) line += ", our router-LSA " + *seq;
    out += line + "\n";
  }
  for (const auto& announced : array(protocol, "announced")) {
    const auto lsa = text(announced, "lsa");
    if (!lsa) continue;  // OSPF only
    std::string line =
        fmt::format("{}: {} cost {} in {}", name, text(announced, "prefix").value_or("?"),
                    text(announced, "cost").value_or("?"), lsa_carrier(*lsa));
    if (*lsa == "external" || *lsa == "nssa_external") {
      line += " " + text(announced, "ls_id").value_or("?");
    }
    if (auto seq = text(announced, "seq")) {
      line += " seq " + *seq;
    } else if (*lsa != "none") {
      line += ", held by MinLSInterval";
    }
    out += line + "\n";
  }
  if (const json* dropped = field(protocol, "dropped")) {
    if (const auto [total, reasons] = count_reasons(*dropped); total > 0) {
      out += fmt::format("{}: dropped {} of {} packets received ({})\n", name, total,
                         text(protocol, "received").value_or("?"), reasons);
    }
  }
  // OSPF: LSAs dropped from LS Updates that were themselves accepted.
  if (const json* dropped = field(protocol, "lsa_dropped")) {
    if (const auto [total, reasons] = count_reasons(*dropped); total > 0) {
      out += fmt::format("{}: dropped {} LSAs ({})\n", name, total, reasons);
    }
  }
  if (out.empty()) out = name + ": enabled\n";
  return out;
}

}  // namespace

std::string format_seconds(std::int64_t s) {
  if (s < 0) s = 0;
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d{:02}h", s / 86400, s % 86400 / 3600);
}

std::string render_status(const json& status) {
  std::string out = header(status);
  const auto& services = array(status, "services");
  if (services.empty()) {
    out += "no services configured\n";
  } else {
    out += table(services);
  }
  if (const json* protocols = field(status, "protocols"); protocols && protocols->is_object()) {
    for (const auto& [name, protocol] : protocols->items())
      out += protocol_lines(name, protocol);
  }
  return out;
}

}  // namespace anycastd::control
