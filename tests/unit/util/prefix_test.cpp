// SPDX-License-Identifier: Apache-2.0
#include "util/prefix.hpp"

#include <gtest/gtest.h>

namespace anycastd {
namespace {

TEST(Prefix, ParsesHostRoutes) {
  const auto p = Prefix::parse("198.19.224.2/32");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->is_host_route());
  EXPECT_EQ(p->address.v4_value(), 0xC613E002u);
  EXPECT_EQ(p->to_string(), "198.19.224.2/32");

  const auto bare = Prefix::parse("198.19.224.3");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->length, 32);

  const auto v6 = Prefix::parse("2001:db8::1/128");
  ASSERT_TRUE(v6);
  EXPECT_FALSE(v6->address.is_v4());
  EXPECT_TRUE(v6->is_host_route());
  EXPECT_EQ(v6->to_string(), "2001:db8::1/128");
}

TEST(Prefix, RejectsMalformed) {
  for (const char* bad : {"", "198.19.224.2/33", "198.19.224.2/", "198.19.224.2/x", "198.19.224/32",
                          "::1/129", "hello", "198.19.224.2/32/1"}) {
    EXPECT_FALSE(Prefix::parse(bad)) << bad;
  }
}

TEST(Prefix, NetworkRoutesAreNotHostRoutes) {
  const auto p = Prefix::parse("198.19.224.0/24");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->is_host_route());
  EXPECT_TRUE(p->is_canonical());
  EXPECT_FALSE(Prefix::parse("198.19.224.1/24")->is_canonical());
}

TEST(Prefix, OrdersByAddress) {
  EXPECT_LT(*Prefix::parse("198.19.224.2/32"), *Prefix::parse("198.19.224.10/32"));
}

}  // namespace
}  // namespace anycastd
