// SPDX-License-Identifier: Apache-2.0
#include "daemon/metrics.hpp"

#include <gtest/gtest.h>

namespace anycastd {
namespace {

TEST(MetricsLabels, ChecksOfOneTypeAreNumberedFromTheSecond) {
  config::ServiceConfig service;
  for (const auto type : {config::CheckType::dns, config::CheckType::tcp, config::CheckType::dns,
                          config::CheckType::dns}) {
    config::CheckConfig check;
    check.type = type;
    service.checks.push_back(check);
  }
  EXPECT_EQ(check_labels(service), (std::vector<std::string>{"dns", "tcp", "dns_2", "dns_3"}));
}

TEST(MetricsLabels, OspfNeighborStatesAsRfc4750Numbers) {
  EXPECT_EQ(ospf_neighbor_state_number("Down"), 1);
  EXPECT_EQ(ospf_neighbor_state_number("2-Way"), 4);
  EXPECT_EQ(ospf_neighbor_state_number("Full"), 8);
  EXPECT_EQ(ospf_neighbor_state_number("Bogus"), 0);
}

}  // namespace
}  // namespace anycastd
