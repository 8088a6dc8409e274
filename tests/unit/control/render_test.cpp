// SPDX-License-Identifier: Apache-2.0
#include "control/render.hpp"

#include <gtest/gtest.h>

namespace anycastd::control {
namespace {

using nlohmann::json;

TEST(RenderStatus, FullExample) {
  const auto status = json::parse(R"({
    "version":"0.1.0","router_id":"198.18.5.2","uptime_s":12,
    "services":[{"name":"dns","state":"up","announce":"announce","admin_withdrawn":false,
      "prefixes":["198.19.224.2/32"],"since_s":10,"reason":"2 passes","flaps":0,"hold_down_s":0,
      "checks":[{"type":"dns","target":"198.19.224.2:53 test.home. A","last":"pass",
                 "detail":"NOERROR in 0.4ms","latency_ms":0.4,"passes":10,"failures":0}]}],
    "announced":[{"prefix":"198.19.224.2/32","action":"announce","service":"dns"}],
    "protocols":{"rip":{"interfaces":[{"name":"eth1","sent":10,"received":4,
                                       "neighbors":["198.18.5.1"]}],
                        "neighbors":[{"address":"198.18.5.1","state":"up","uptime_s":30}]}}})");
  EXPECT_EQ(render_status(status),
            "anycastd 0.1.0, router-id 198.18.5.2, up 12s\n"
            "SERVICE  STATE  ROUTE     PREFIXES         SINCE  REASON\n"
            "dns      up     announce  198.19.224.2/32  10s    2 passes\n"
            "  check dns 198.19.224.2:53 test.home. A: pass, NOERROR in 0.4ms (10 ok, 0 failed)\n"
            "rip: eth1 sent 10 received 4, neighbors 198.18.5.1\n"
            "rip: neighbor 198.18.5.1 up for 30s\n");
}

TEST(RenderStatus, SeveralServicesAlignAndShowAdminAndHoldDown) {
  const auto status = json::parse(R"({
    "services":[
      {"name":"dns","state":"up","announce":"withdraw","admin_withdrawn":true,
       "prefixes":["198.19.224.2/32","198.19.224.3/32"],"since_s":3700,"reason":"operator"},
      {"name":"ntp","state":"held_down","announce":"withdraw","prefixes":["198.19.224.4/32"],
       "since_s":5,"reason":"flapping","flaps":6,"hold_down_s":40,
       "checks":[{"type":"ntp","target":"127.0.0.1:123","last":"fail",
                  "passes":1,"failures":3}]}]})");
  EXPECT_EQ(render_status(status),
            "anycastd\n"
            "SERVICE  STATE      ROUTE             PREFIXES                         SINCE  REASON\n"
            "dns      up         withdraw (admin)  198.19.224.2/32,198.19.224.3/32  1h01m  "
            "operator\n"
            "ntp      held_down  withdraw          198.19.224.4/32                  5s     "
            "flapping, held down 40s, 6 flaps\n"
            "  check ntp 127.0.0.1:123: fail (1 ok, 3 failed)\n");
}

TEST(RenderStatus, DegradedServiceAndADegradeOnlyCheck) {
  const auto status = json::parse(R"json({
    "services":[{"name":"web","state":"degraded","announce":"degrade","require":"all",
      "prefixes":["198.19.224.5/32"],"since_s":4,
      "reason":"2 rounds degraded: https 198.19.224.5:443/: certificate expires in 3d",
      "checks":[{"type":"tcp","target":"198.19.224.5:443","on_failure":"withdraw",
                 "last":"pass","detail":"connected in 0.1ms","passes":9,"failures":0},
                {"type":"http","target":"198.19.224.5:443/","on_failure":"degrade",
                 "last":"fail","detail":"HTTP 200, certificate expires in 3d (cert_min_days 7)",
                 "passes":7,"failures":2}]}]})json");
  EXPECT_EQ(render_status(status),
            "anycastd\n"
            "SERVICE  STATE     ROUTE    PREFIXES         SINCE  REASON\n"
            "web      degraded  degrade  198.19.224.5/32  4s     2 rounds degraded: https "
            "198.19.224.5:443/: certificate expires in 3d\n"
            "  check tcp 198.19.224.5:443: pass, connected in 0.1ms (9 ok, 0 failed)\n"
            "  check http 198.19.224.5:443/ (degrades): fail, HTTP 200, certificate expires in 3d "
            "(cert_min_days 7) (7 ok, 2 failed)\n");
}

TEST(RenderStatus, ToleratesMissingAndWrongTypes) {
  EXPECT_EQ(render_status(json::object()), "anycastd\nno services configured\n");
  EXPECT_EQ(render_status(json::array()), "anycastd\nno services configured\n");
  EXPECT_EQ(render_status(json(42)), "anycastd\nno services configured\n");
  const auto odd = json::parse(R"({"version":7,"uptime_s":"soon","services":[{},
    {"name":"x","prefixes":"198.19.224.9/32","checks":[{"last":null}, 3]}],
    "protocols":{"rip":{}, "bgp":[1], "ospf":{"interfaces":[{}]}}})");
  EXPECT_EQ(render_status(odd),
            "anycastd 7\n"
            "SERVICE  STATE  ROUTE  PREFIXES  SINCE  REASON\n"
            "?        -      -      -         -\n"
            "x        -      -      -         -\n"
            "  check: none\n"
            "  check: none\n"
            "bgp: enabled\n"
            "ospf: ?\n"
            "rip: enabled\n");
}

TEST(RenderStatus, OspfAndBgpDetails) {
  const auto status = json::parse(R"({"version":"0.1.0","protocols":{
    "ospf":{"interfaces":[{"name":"eth1","state":"DROther","dr":"198.18.5.1","bdr":"0.0.0.0"}],
            "neighbors":[{"address":"198.18.5.1","router_id":"10.0.0.1","state":"Full",
                          "dead_in_s":3}],
            "lsdb":{"total":4,"limit":100000},"router_lsa_seq":"0x80000003"},
    "bgp":{"neighbors":[{"address":"198.18.5.1","remote_asn":65001,"state":"Established",
                         "uptime_s":75,"prefixes_sent":1,"last_error":"",
                         "rfc7606":{"attribute_discard":0,"treat_as_withdraw":2,
                                    "session_reset":0},
                         "notifications_sent":{"1/1":1},"notifications_received":{}},
                        {"address":"198.18.6.1","remote_asn":65002,"state":"Active",
                         "prefixes_sent":0,"last_error":"hold timer expired"}]}}})");
  EXPECT_EQ(render_status(status),
            "anycastd 0.1.0\n"
            "no services configured\n"
            "bgp: neighbor 198.18.5.1 AS65001 Established for 1m15s, 1 prefixes sent, RFC 7606 "
            "treat_as_withdraw 2, NOTIFICATIONs sent 1/1 1\n"
            "bgp: neighbor 198.18.6.1 AS65002 Active, 0 prefixes sent, last error: hold timer "
            "expired\n"
            "ospf: eth1 DROther, DR 198.18.5.1, BDR 0.0.0.0\n"
            "ospf: neighbor 198.18.5.1 (router-id 10.0.0.1) Full, dead in 3s\n"
            "ospf: LSDB 4 LSAs (limit 100000), our router-LSA 0x80000003\n");
}

TEST(RenderStatus, OspfAreaTypeAndTheLsaThatCarriesEachPrefix) {
  const auto status = json::parse(R"({"version":"0.1.0","protocols":{
    "ospf":{"area":"0.0.0.1","area_type":"nssa","announce_as":"external",
            "announced":[{"prefix":"198.19.224.2/32","cost":1,"lsa":"nssa_external",
                          "ls_id":"198.19.224.2","seq":"0x80000002"},
                         {"prefix":"198.19.224.3/32","cost":1000,"lsa":"nssa_external",
                          "ls_id":"198.19.224.3"}]},
    "rip":{"announced":[{"prefix":"198.19.224.2/32","metric":1}]}}})");
  EXPECT_EQ(render_status(status),
            "anycastd 0.1.0\n"
            "no services configured\n"
            "ospf: area 0.0.0.1 (nssa), prefixes as external\n"
            "ospf: 198.19.224.2/32 cost 1 in type-7 LSA 198.19.224.2 seq 0x80000002\n"
            "ospf: 198.19.224.3/32 cost 1000 in type-7 LSA 198.19.224.3, held by MinLSInterval\n"
            "rip: enabled\n");
  const auto stub = json::parse(R"({"version":"0.1.0","protocols":{
    "ospf":{"area":"0.0.0.1","area_type":"stub","announce_as":"router-lsa",
            "announced":[{"prefix":"198.19.224.2/32","cost":1,"lsa":"router",
                          "ls_id":"198.18.1.2","seq":"0x80000004"}]}}})");
  EXPECT_EQ(render_status(stub),
            "anycastd 0.1.0\n"
            "no services configured\n"
            "ospf: area 0.0.0.1 (stub), prefixes as router-lsa\n"
            "ospf: 198.19.224.2/32 cost 1 in a stub link of the router-LSA seq 0x80000004\n");
}

TEST(RenderStatus, NonZeroDropsByReason) {
  const auto status = json::parse(R"({"version":"0.1.0","protocols":{
    "rip":{"received":12,"accepted":9,"dropped":{"bad_version":1,"not_on_link":2,"own_packet":0},
           "interfaces":[{"name":"eth1","sent":4,"received":12}]},
    "ospf":{"received":5,"accepted":4,"dropped":{"wrong_area":1},
            "lsa_dropped":{"bad_checksum":1,"lsdb_full":0}}}})");
  EXPECT_EQ(render_status(status),
            "anycastd 0.1.0\n"
            "no services configured\n"
            "ospf: dropped 1 of 5 packets received (wrong_area 1)\n"
            "ospf: dropped 1 LSAs (bad_checksum 1)\n"
            "rip: eth1 sent 4 received 12\n"
            "rip: dropped 3 of 12 packets received (bad_version 1, not_on_link 2)\n");
}

TEST(RenderStatus, BfdSessionLines) {
  const auto status = json::parse(R"({"version":"0.1.0","protocols":{
    "bfd":{"received":131,"accepted":130,"dropped":{"bad_ttl":1},"sessions":[
      {"peer":"198.18.1.1","interface":"eth1","clients":["ospf"],"state":"Up","uptime_s":42,
       "ever_up":true,"local_diag":"none","remote_diag":"none","tx_interval_ms":300,
       "rx_interval_ms":300,"detection_time_ms":900,"up_to_down":1,"sent":140,"received":131,
       "accepted":130,"dropped":{"bad_ttl":1}},
      {"peer":"198.18.5.1","interface":"","clients":["bgp"],"state":"Down","uptime_s":null,
       "ever_up":false,"local_diag":"none","remote_diag":"none","tx_interval_ms":1000,
       "rx_interval_ms":0,"detection_time_ms":0,"up_to_down":0,"sent":3,"received":0,
       "accepted":0,"dropped":{}}]}}})");
  EXPECT_EQ(render_status(status),
            "anycastd 0.1.0\n"
            "no services configured\n"
            "bfd: 198.18.1.1 on eth1 (ospf) Up for 42s, diag none/none, tx 300ms rx 300ms, "
            "detect 900ms, up->down 1, packets in 131 out 140 dropped 1 (bad_ttl 1)\n"
            "bfd: 198.18.5.1 (bgp) Down (never Up; blocks nothing), diag none/none, tx 1000ms "
            "rx 0ms, detect 0ms, up->down 0, packets in 0 out 3 dropped 0\n"
            "bfd: dropped 1 of 131 packets received (bad_ttl 1)\n");
}

TEST(FormatSeconds, PicksTwoUnits) {
  EXPECT_EQ(format_seconds(-3), "0s");
  EXPECT_EQ(format_seconds(0), "0s");
  EXPECT_EQ(format_seconds(59), "59s");
  EXPECT_EQ(format_seconds(187), "3m07s");
  EXPECT_EQ(format_seconds(5 * 3600 + 120), "5h02m");
  EXPECT_EQ(format_seconds(2 * 86400 + 3 * 3600 + 59), "2d03h");
}

}  // namespace
}  // namespace anycastd::control
