// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "probe/cert_expiry.hpp"
#include "probe/http_response.hpp"

namespace anycastd::probe {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;
using Days = std::chrono::duration<std::int64_t, std::ratio<86400>>;

const system_clock::time_point kNow = system_clock::from_time_t(1'800'000'000);

TEST(CertExpiry, ThresholdIsWholeDaysFromNow) {
  auto v = evaluate_cert_expiry(kNow + Days(30), kNow, 30);
  EXPECT_EQ(v.verdict, Verdict::pass);
  EXPECT_EQ(v.detail, "certificate valid 30d");
  v = evaluate_cert_expiry(kNow + Days(30) - 1s, kNow, 30);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "certificate expires in 29d (cert_min_days 30)");
  v = evaluate_cert_expiry(kNow + 5h, kNow, 1);
  EXPECT_EQ(v.detail, "certificate expires in 5h (cert_min_days 1)");
  v = evaluate_cert_expiry(kNow + 59min, kNow, 1);
  EXPECT_EQ(v.detail, "certificate expires in 59m (cert_min_days 1)");
}

TEST(CertExpiry, AnExpiredCertificateFails) {
  auto v = evaluate_cert_expiry(kNow - Days(2), kNow, 1);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "certificate expired 2d ago");
  v = evaluate_cert_expiry(kNow, kNow, 1);
  EXPECT_EQ(v.verdict, Verdict::fail);
}

constexpr std::array<std::uint16_t, 1> k200 = {200};
constexpr std::array<std::uint16_t, 2> k200or204 = {200, 204};

TEST(HttpResponse, StatusMustBeExpected) {
  EXPECT_EQ(evaluate_http_response(200, "", k200, "").detail, "HTTP 200");
  auto v = evaluate_http_response(503, "<h1>503</h1>", k200, "");
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "HTTP 503, expected 200");
  v = evaluate_http_response(301, "", k200or204, "");
  EXPECT_EQ(v.detail, "HTTP 301, expected 200 or 204");
  EXPECT_EQ(evaluate_http_response(204, "", k200or204, "").verdict, Verdict::pass);
}

TEST(HttpResponse, BodyMustHoldTheSubstring) {
  EXPECT_EQ(evaluate_http_response(200, "status: ok\n", k200, "ok").verdict, Verdict::pass);
  const auto v = evaluate_http_response(200, "status: degraded\n", k200, "status: ok");
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "HTTP 200, body (17 bytes) lacks \"status: ok\"");
}

TEST(HttpResponse, OnlyTheFirst64KiBAreSearched) {
  std::string body(kHttpBodyLimit - 2, 'x');
  body += "ok";
  EXPECT_EQ(evaluate_http_response(200, body, k200, "ok").verdict, Verdict::pass);
  body.insert(0, "y");  // "ok" now ends one byte past the limit
  EXPECT_EQ(evaluate_http_response(200, body, k200, "ok").verdict, Verdict::fail);
}

}  // namespace
}  // namespace anycastd::probe
