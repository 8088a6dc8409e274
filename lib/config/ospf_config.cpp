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
  std::string type;
  if (r.read_string(t, "type", type)) {
    if (type == "broadcast") {
      out.type = OspfInterfaceType::broadcast;
    } else if (type == "point-to-point") {
      out.type = OspfInterfaceType::point_to_point;
    } else {
      r.error(t.get("type")->source(),
              fmt::format("\"type\": \"{}\" is not \"broadcast\" or \"point-to-point\"", type));
    }
  }
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
