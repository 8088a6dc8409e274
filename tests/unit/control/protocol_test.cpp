// SPDX-License-Identifier: Apache-2.0
#include "control/protocol.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace anycastd::control {
namespace {

using ::testing::HasSubstr;

Request parsed(std::string_view line) {
  auto result = parse_request(line);
  if (auto* error = std::get_if<std::string>(&result)) {
    ADD_FAILURE() << line << ": " << *error;
    return {};
  }
  return std::get<Request>(result);
}

std::string error_of(std::string_view line) {
  auto result = parse_request(line);
  if (auto* error = std::get_if<std::string>(&result)) return *error;
  ADD_FAILURE() << line << " was accepted";
  return {};
}

TEST(ParseRequest, AcceptsEveryCommand) {
  EXPECT_EQ(parsed(R"({"command":"status"})"), (Request{Command::status, std::nullopt}));
  EXPECT_EQ(parsed(R"({"command":"reload"})"), (Request{Command::reload, std::nullopt}));
  EXPECT_EQ(parsed(R"({"command":"withdraw","service":"dns"})"),
            (Request{Command::withdraw, "dns"}));
  EXPECT_EQ(parsed(R"({"command":"withdraw","all":true})"),
            (Request{Command::withdraw, std::nullopt}));
  EXPECT_EQ(parsed(R"({"service":"ntp","command":"announce"})"),
            (Request{Command::announce, "ntp"}));
  EXPECT_EQ(parsed(R"({"command":"announce","all":true})"),
            (Request{Command::announce, std::nullopt}));
  EXPECT_EQ(parsed(R"({"command":"withdraw","service":"dns","all":false})"),
            (Request{Command::withdraw, "dns"}));
}

TEST(ParseRequest, AcceptsLineEndingsAndWhitespace) {
  EXPECT_EQ(parsed("{\"command\":\"status\"}\n").command, Command::status);
  EXPECT_EQ(parsed("{\"command\":\"status\"}\r\n").command, Command::status);
  EXPECT_EQ(parsed("  { \"command\" : \"reload\" }  ").command, Command::reload);
}

TEST(ParseRequest, RejectsMalformedJson) {
  EXPECT_THAT(error_of(""), HasSubstr("not valid JSON"));
  EXPECT_THAT(error_of("status"), HasSubstr("not valid JSON"));
  EXPECT_THAT(error_of(R"({"command":"status")"), HasSubstr("not valid JSON"));
  EXPECT_THAT(error_of("{\"command\":\"st\xff\"}"), HasSubstr("not valid JSON"));
  EXPECT_THAT(error_of(R"(["status"])"), HasSubstr("must be a JSON object"));
  EXPECT_THAT(error_of("42"), HasSubstr("must be a JSON object"));
}

TEST(ParseRequest, RejectsUnknownOrMissingCommand) {
  EXPECT_THAT(error_of("{}"), HasSubstr("no \"command\""));
  EXPECT_THAT(error_of(R"({"command":7})"), HasSubstr("no \"command\""));
  EXPECT_EQ(error_of(R"({"command":"restart"})"),
            "unknown command \"restart\"; use status, withdraw, announce or reload");
}

TEST(ParseRequest, RejectsMissingOrConflictingFields) {
  EXPECT_EQ(error_of(R"({"command":"withdraw"})"),
            "withdraw: name a \"service\" or give \"all\": true");
  EXPECT_THAT(error_of(R"({"command":"withdraw","all":false})"), HasSubstr("name a \"service\""));
  EXPECT_THAT(error_of(R"({"command":"announce","service":"dns","all":true})"),
              HasSubstr("not both"));
  EXPECT_THAT(error_of(R"({"command":"withdraw","service":""})"), HasSubstr("non-empty string"));
  EXPECT_THAT(error_of(R"({"command":"withdraw","service":["dns"]})"),
              HasSubstr("non-empty string"));
  EXPECT_THAT(error_of(R"({"command":"withdraw","all":"yes"})"), HasSubstr("true or false"));
  EXPECT_THAT(error_of(R"({"command":"withdraw","servce":"dns"})"),
              HasSubstr("unknown field \"servce\""));
  EXPECT_THAT(error_of(R"({"command":"status","service":"dns"})"),
              HasSubstr("unknown field \"service\" in status request; it takes none"));
}

TEST(ParseRequest, RejectsOversizedLine) {
  const std::string line =
      R"({"command":"withdraw","service":")" + std::string(kMaxRequestLine, 'a') + "\"}";
  EXPECT_THAT(error_of(line), HasSubstr("longer than 65536 bytes"));
}

TEST(ParseRequest, ToJsonRoundTrips) {
  for (const Request& request :
       {Request{Command::status, std::nullopt}, Request{Command::reload, std::nullopt},
        Request{Command::withdraw, "dns"}, Request{Command::withdraw, std::nullopt},
        Request{Command::announce, "ntp"}, Request{Command::announce, std::nullopt}}) {
    EXPECT_EQ(parsed(to_json(request).dump()), request);
  }
  EXPECT_EQ(to_json(Request{Command::withdraw, std::nullopt}),
            nlohmann::json::parse(R"({"command":"withdraw","all":true})"));
}

TEST(EncodeReply, SuccessAndFailure) {
  EXPECT_EQ(encode_reply(Reply::success()), "{\"ok\":true,\"result\":{}}\n");
  EXPECT_EQ(encode_reply(Reply::success({{"withdrawn", {"dns"}}})),
            "{\"ok\":true,\"result\":{\"withdrawn\":[\"dns\"]}}\n");
  EXPECT_EQ(encode_reply(Reply::failure("unknown service \"x\"")),
            "{\"error\":\"unknown service \\\"x\\\"\",\"ok\":false}\n");
}

TEST(EncodeReply, RepairsInvalidUtf8) {
  const auto line = encode_reply(Reply::failure("bad \xff name"));
  EXPECT_EQ(line.back(), '\n');
  const auto doc = nlohmann::json::parse(line);
  EXPECT_FALSE(doc["ok"].get<bool>());
}

}  // namespace
}  // namespace anycastd::control
