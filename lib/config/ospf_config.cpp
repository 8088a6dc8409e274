// SPDX-License-Identifier: Apache-2.0
// [ospf] (spec §3): OSPFv2, RFC 2328.
#include <fmt/format.h>

#include "config/protocols.hpp"
#include "util/prefix.hpp"

namespace anycastd::config {

namespace {

constexpr std::size_t kMaxInterfaceName = 15;  // IFNAMSIZ - 1

// RFC 2328 §A.3.2: HelloInterval is a 16-bit count of seconds, RouterDeadInterval 32 bits.
bool read_seconds(Reader& r, const toml::table& t, std::string_view key, std::int64_t max,
                  Duration& out) {
  Duration d = out;
  if (!r.read_duration(t, key, std::chrono::seconds(1), std::chrono::seconds(max), d)) return false;
  if (d.count() % 1000 != 0) {
    r.error(t.get(key)->source(),
            fmt::format("\"{}\" must be whole seconds (OSPF carries seconds)", key));
    return false;
  }
  out = d;
  return true;
}

void parse_interface(Reader& r, const toml::table& t, OspfInterfaceConfig& out) {
  r.check_keys(t, "ospf.interface");
  if (r.read_string(t, "name", out.name)) {
    if (out.name.empty() || out.name.size() > kMaxInterfaceName ||
        out.name.find('/') != std::string::npos) {
      r.error(t.get("name")->source(),
              fmt::format("\"name\": \"{}\" is not a valid interface name", out.name));
      out.name.clear();
    }
  } else if (!t.contains("name")) {
    r.error(t.source(), "[[ospf.interface]] needs a \"name\"");
  }
  r.read_choice(t, "type",
                {{"broadcast", OspfInterfaceType::broadcast},
                 {"point-to-point", OspfInterfaceType::point_to_point}},
                out.type);
  // RFC 2328 §A.4.2: a link metric is 16 bits; 0 is not a cost.
  r.read_uint(t, "cost", {1, 65535}, out.cost);
  const bool hello = read_seconds(r, t, "hello_interval", 65535, out.hello_interval);
  const bool dead = read_seconds(r, t, "dead_interval", 0x7fffffff, out.dead_interval);
  if ((hello || dead) && out.dead_interval <= out.hello_interval) {
    r.error(t.get(dead ? "dead_interval" : "hello_interval")->source(),
            fmt::format("\"dead_interval\" ({}) must be longer than \"hello_interval\" ({})",
                        format_duration(out.dead_interval), format_duration(out.hello_interval)));
  }
  r.read_uint(t, "priority", {0, 255}, out.priority);
  r.read_bool(t, "bfd", out.bfd);
  read_seconds(r, t, "retransmit_interval", 65535, out.retransmit_interval);
  // RFC 2328 §13.3: added to the LS age of each LSA flooded, a 16-bit count of seconds.
  read_seconds(r, t, "transmit_delay", 3600, out.transmit_delay);
  if (const toml::table* auth = r.read_table(t, "authentication")) {
    r.read_auth(*auth, "[[ospf.interface]] authentication", out.authentication);
    // RFC 2328 §D.2: a simple password is 64 bits.
    if (out.authentication.mode == AuthMode::text && out.authentication.key.size() > 8) {
      r.error(auth->get("key")->source(),
              "\"key\" must be 1 to 8 characters with mode \"text\" (RFC 2328 §D.2)");
    }
  }
}

}  // namespace

void parse_ospf(Reader& r, const toml::table& t, OspfConfig& out) {
  r.check_keys(t, "ospf");
  if (const toml::node* area = t.get("area")) {
    if (const auto* text = area->as_string()) {
      const auto a = IpAddress::parse(text->get());
      if (!a || !a->is_v4()) {
        r.error(
            area->source(),
            fmt::format("\"area\": \"{}\" is not a dotted area ID like \"0.0.0.0\"", text->get()));
      } else {
        out.area = a->v4_value();
      }
    } else if (area->is_integer()) {
      std::int64_t v = 0;
      if (r.read_int(t, "area", {0, 0xffffffffLL}, v)) out.area = static_cast<std::uint32_t>(v);
    } else {
      r.error(area->source(), fmt::format("\"area\" must be a string like \"0.0.0.0\" or an "
                                          "integer, not {}",
                                          type_name(*area)));
    }
  }
  if (r.read_choice(t, "area_type",
                    {{"normal", OspfAreaType::normal},
                     {"stub", OspfAreaType::stub},
                     {"nssa", OspfAreaType::nssa}},
                    out.area_type)) {
    // RFC 2328 §3.6: "the backbone cannot be configured as a stub area";
    // RFC 3101 §1: nor as an NSSA.
    if (out.area == 0 && out.area_type != OspfAreaType::normal) {
      r.error(t.get("area_type")->source(),
              fmt::format("\"area_type\": the backbone (area 0.0.0.0) cannot be {}",
                          out.area_type == OspfAreaType::stub ? "a stub area" : "an NSSA"));
    }
  }
  // RFC 2328 §3.6: "AS-external-LSAs are not flooded into/throughout stub
  // areas": there a prefix can only be a stub link of our router-LSA.
  if (out.area_type == OspfAreaType::stub) out.announce_as = OspfAnnounceAs::router_lsa;
  OspfAnnounceAs announce_as{};
  if (r.read_choice(
          t, "announce_as",
          {{"external", OspfAnnounceAs::external}, {"router-lsa", OspfAnnounceAs::router_lsa}},
          announce_as)) {
    if (announce_as == OspfAnnounceAs::external && out.area_type == OspfAreaType::stub) {
      r.error(t.get("announce_as")->source(),
              "\"announce_as\": \"external\" is not possible in a stub area (RFC 2328 §3.6: "
              "no AS-external-LSAs there); use \"router-lsa\" or area_type \"nssa\"");
    } else {
      out.announce_as = announce_as;
    }
  }
  r.read_uint(t, "prefix_cost", {1, 65535}, out.prefix_cost);
  r.read_uint(t, "degraded_cost", {1, 65535}, out.degraded_cost);
  if (out.degraded_cost < out.prefix_cost) {
    r.warning(t.source(), fmt::format("[ospf] degraded_cost {} is better than prefix_cost {}",
                                      out.degraded_cost, out.prefix_cost));
  }
  r.read_uint(t, "lsdb_limit", {100, 10000000}, out.lsdb_limit);
  const toml::node* interfaces = t.get("interface");
  if (!interfaces) {
    r.error(t.source(), "[ospf] needs at least one [[ospf.interface]]");
    return;
  }
  for (const toml::table* item : r.read_table_array(t, "interface")) {
    OspfInterfaceConfig iface;
    parse_interface(r, *item, iface);
    if (iface.name.empty()) continue;
    bool duplicate = false;
    for (const auto& other : out.interfaces)
      duplicate = duplicate || other.name == iface.name;
    if (duplicate) {
      r.error(item->get("name")->source(),
              fmt::format("interface \"{}\" is configured twice", iface.name));
      continue;
    }
    out.interfaces.push_back(std::move(iface));
  }
}

}  // namespace anycastd::config
