// SPDX-License-Identifier: Apache-2.0
// The exposition encoder against golden files (tests/unit/metrics/golden/),
// written by hand from the format's description, not by the encoder.
#include "metrics/exposition.hpp"

#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <limits>
#include <string>

namespace anycastd::metrics {
namespace {

std::string golden(const std::string& name) {
  const std::string path = std::string(ANYCASTD_SOURCE_DIR) + "/tests/unit/metrics/golden/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(Exposition, CountersAndGaugesWithHelpAndType) {
  std::vector<Family> families;
  families.push_back(Family{"anycastd_up", "1 while anycastd runs", Type::gauge}.add({}, 1));
  Family transitions{"anycastd_service_transitions_total", "Health state changes", Type::counter};
  transitions.add({{"service", "dns"}, {"to", "up"}}, 3);
  transitions.add({{"service", "dns"}, {"to", "down"}}, 2);
  families.push_back(std::move(transitions));
  families.push_back(Family{"anycastd_empty", "left out: no samples", Type::gauge});
  families.push_back(Family{"anycastd_config_last_reload_success_timestamp_seconds",
                            "When the config was last loaded", Type::gauge}
                         .add({}, 1764578400.25));
  EXPECT_EQ(encode(families), golden("basic.prom"));
}

TEST(Exposition, LabelValuesAndHelpAreEscaped) {
  std::vector<Family> families;
  families.push_back(Family{"anycastd_odd",
                            "Help with a backslash \\ and a\nnewline; \"quotes\" stay", Type::gauge}
                         .add({{"service", "back\\slash"}, {"detail", "say \"hi\"\nbye"}}, 1)
                         .add({{"service", "plain"}, {"detail", ""}}, 0));
  EXPECT_EQ(encode(families), golden("escaping.prom"));
}

TEST(Exposition, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  static constexpr std::array<double, 3> bounds = {0.001, 0.01, 0.1};
  Histogram h(bounds);
  for (const double v : {0.0005, 0.001, 0.004, 0.05, 2.0})
    h.observe(v);
  std::vector<Family> families;
  Family f{"anycastd_check_duration_seconds", "How long each check took", Type::histogram};
  f.histograms.push_back({{{"service", "dns"}, {"check", "dns"}}, &h});
  families.push_back(std::move(f));
  EXPECT_EQ(encode(families), golden("histogram.prom"));
}

TEST(Exposition, ValuesInTheFormsPrometheusReads) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(1000000), "1000000");
  EXPECT_EQ(format_value(18446744073709551615.0), "18446744073709551616");
  EXPECT_EQ(format_value(1e300), "1e+300");
  EXPECT_EQ(format_value(0.0025), "0.0025");
  EXPECT_EQ(format_value(-3), "-3");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(Exposition, EscapingPieces) {
  EXPECT_EQ(escape_label_value(R"(a\b"c)"
                               "\n"),
            R"(a\\b\"c\n)");
  EXPECT_EQ(escape_help("a\\b\"c\n"), R"(a\\b"c\n)");
}

}  // namespace
}  // namespace anycastd::metrics
