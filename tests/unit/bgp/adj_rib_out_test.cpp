// SPDX-License-Identifier: Apache-2.0
// The Adj-RIB-Out and UPDATE packing on their own: what is wanted against
// what was sent, drains, and UPDATEs per attribute set within 4096 bytes.
#include "bgp/adj_rib_out.hpp"

#include <gtest/gtest.h>

namespace anycastd::bgp {
namespace {

using namespace std::chrono_literals;

const Prefix kA = *Prefix::parse("198.19.224.1/32");
const Prefix kB = *Prefix::parse("198.19.224.2/32");
const TimePoint kNow{std::chrono::hours(1)};

AnnounceSettings settings() {
  AnnounceSettings s;
  s.local_asn = 65101;
  s.communities = {0xfe4d0064};
  s.local = *IpAddress::parse("198.18.1.2");
  return s;
}

TEST(AdjRibOut, ChangesAgainstWhatWasSent) {
  AdjRibOut rib;
  rib.want(kA, core::RouteAction::announce);
  rib.want(kB, core::RouteAction::degrade);
  EXPECT_EQ(rib.take_changes(), (std::vector<RouteUpdate>{{kA, OutAttributes{false, false}},
                                                          {kB, OutAttributes{true, false}}}));
  EXPECT_TRUE(rib.take_changes().empty());
  rib.want(kB, core::RouteAction::announce);
  rib.forget(kA);
  EXPECT_EQ(rib.take_changes(),
            (std::vector<RouteUpdate>{{kA, std::nullopt}, {kB, OutAttributes{false, false}}}));
  EXPECT_EQ(rib.sent_routes(), (std::vector<RouteUpdate>{{kB, OutAttributes{false, false}}}));
  rib.clear_sent();
  EXPECT_EQ(rib.take_changes().size(), 1u);
}

TEST(AdjRibOut, DrainsEndInOrder) {
  AdjRibOut rib;
  rib.want(kA, core::RouteAction::announce);
  rib.want(kB, core::RouteAction::announce);
  rib.take_changes();
  rib.drain(kA, kNow + 5s);
  EXPECT_TRUE(rib.draining(kA));
  EXPECT_EQ(rib.take_changes(), (std::vector<RouteUpdate>{{kA, OutAttributes{false, true}}}));
  // A stop drains everything, and never lengthens a drain under way.
  rib.drain_all(kNow + 1s);
  EXPECT_EQ(rib.next_drain_end(), kNow + 1s);
  EXPECT_FALSE(rib.end_drains(kNow));
  EXPECT_TRUE(rib.end_drains(kNow + 1s));
  EXPECT_FALSE(rib.wanted(kA));
  EXPECT_EQ(rib.take_changes(), (std::vector<RouteUpdate>{{kA, std::nullopt}, {kB, std::nullopt}}));
  // Wanting it again ends its drain.
  rib.want(kA, core::RouteAction::announce);
  rib.drain(kA, kNow + 5s);
  rib.want(kA, core::RouteAction::announce);
  EXPECT_FALSE(rib.draining(kA));
}

TEST(AdjRibOut, PathAttributesPerSession) {
  auto s = settings();
  auto a = path_attributes({true, true}, s);
  EXPECT_EQ(a.as_path, (AsPath{{SegmentType::as_sequence, {65101, 65101, 65101, 65101}}}));
  EXPECT_EQ(a.med, 1000u);
  EXPECT_EQ(a.communities, (std::vector<std::uint32_t>{0xfe4d0064, kGracefulShutdown}));
  EXPECT_EQ(a.next_hop, s.local);
  EXPECT_FALSE(a.local_pref);
  // iBGP: empty AS_PATH, LOCAL_PREF; IPv6: NEXT_HOP in MP_REACH_NLRI.
  s.external = false;
  s.local = *IpAddress::parse("2001:db8:1::2");
  a = path_attributes({false, false}, s);
  EXPECT_TRUE(a.as_path->empty());
  EXPECT_EQ(a.local_pref, 100u);
  EXPECT_FALSE(a.next_hop);
  ASSERT_TRUE(a.mp_reach);
  EXPECT_EQ(a.mp_reach->next_hop.size(), 16u);
}

TEST(AdjRibOut, PackingWithdrawalsFirstThenOnePerAttributeSet) {
  std::vector<RouteUpdate> changes = {{kA, OutAttributes{false, false}},
                                      {kB, OutAttributes{true, false}},
                                      {*Prefix::parse("198.19.224.3/32"), std::nullopt}};
  const auto updates = pack_updates(changes, settings(), {});
  ASSERT_EQ(updates.size(), 3u);
  EXPECT_EQ(updates[0].withdrawn.size(), 1u);
  EXPECT_EQ(updates[1].nlri, std::vector<Prefix>{kA});
  EXPECT_EQ(updates[2].nlri, std::vector<Prefix>{kB});
  EXPECT_EQ(updates[2].attributes.med, 1000u);
}

TEST(AdjRibOut, PackingSplitsAt4096Bytes) {
  std::vector<RouteUpdate> changes;
  for (std::uint32_t i = 0; i < 3000; ++i)
    changes.push_back({Prefix{IpAddress::v4(0xc6130000 + i), 32}, OutAttributes{}});
  for (std::uint32_t i = 0; i < 3000; ++i)
    changes.push_back({Prefix{IpAddress::v4(0xc6140000 + i), 32}, std::nullopt});
  auto s = settings();
  const auto updates = pack_updates(changes, s, {});
  std::size_t announced = 0;
  std::size_t withdrawn = 0;
  std::size_t part_full = 0;
  for (const auto& u : updates) {
    const auto size = encode(u, {}).size();
    EXPECT_LE(size, kMaxMessageSize);
    if (size < kMaxMessageSize - 100) ++part_full;
    announced += u.nlri.size();
    withdrawn += u.withdrawn.size();
  }
  EXPECT_EQ(announced, 3000u);
  EXPECT_EQ(withdrawn, 3000u);
  EXPECT_EQ(part_full, 2u);  // the last withdrawal and the last announcement
  // The same for IPv6, in MP_REACH_NLRI / MP_UNREACH_NLRI.
  s.local = *IpAddress::parse("2001:db8:1::2");
  changes = {{*Prefix::parse("2001:db8:ffff::1/128"), OutAttributes{}},
             {*Prefix::parse("2001:db8:ffff::2/128"), std::nullopt}};
  const auto v6 = pack_updates(changes, s, {});
  ASSERT_EQ(v6.size(), 2u);
  EXPECT_EQ(v6[0].attributes.mp_unreach->withdrawn.size(), 1u);
  EXPECT_EQ(v6[1].attributes.mp_reach->nlri.size(), 1u);
}

}  // namespace
}  // namespace anycastd::bgp
