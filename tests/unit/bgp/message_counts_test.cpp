// Messages counted by type and NOTIFICATIONs by code and subcode, for the
// metrics (anycastd_bgp_messages_total, anycastd_bgp_notifications_total).
#include <gtest/gtest.h>

#include "bgp/fsm.hpp"
#include "bgp/packet.hpp"

namespace anycastd::bgp {
namespace {

TEST(MessageCounts, ByTypeAndNotificationCode) {
  MessageCounts counts;
  counts.add(encode_keepalive());
  counts.add(encode_keepalive());
  counts.add(encode(Notification{error::kCease, 2, {}}));
  counts.add(encode(Notification{error::kCease, 2, {}}));
  counts.add(encode(Notification{4, 0, {}}));  // Hold Timer Expired
  EXPECT_EQ(counts.by_type[4], 2u);
  EXPECT_EQ(counts.by_type[3], 3u);
  EXPECT_EQ(counts.by_type[0], 0u);
  EXPECT_EQ((counts.notifications.at({error::kCease, 2})), 2u);
  EXPECT_EQ((counts.notifications.at({4, 0})), 1u);
  EXPECT_EQ(counts.notifications.size(), 2u);
}

TEST(MessageCounts, UnknownTypesAndRuntsCountAsOther) {
  MessageCounts counts;
  auto message = encode_keepalive();
  message[18] = 9;
  counts.add(message);
  counts.add(std::span(message).first(10));
  EXPECT_EQ(counts.by_type[0], 2u);
}

}  // namespace
}  // namespace anycastd::bgp
