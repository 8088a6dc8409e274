#include "probe/dns_message.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace anycastd::probe {
namespace {

using Bytes = std::vector<std::uint8_t>;

// RFC 1035 §4.1: "test.home. IN A", ID 0x1234, all flags clear; written by hand.
const Bytes kQuery = {
    0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // header
    0x04, 't',  'e',  's',  't',  0x04, 'h',  'o',  'm',  'e',  0x00,        // QNAME
    0x00, 0x01, 0x00, 0x01,                                                  // QTYPE A, QCLASS IN
};

// An authoritative answer to kQuery with one A record 198.19.224.2, the
// owner compressed to the question (RFC 1035 §4.1.4); written by hand.
const Bytes kAnswer = {
    0x12, 0x34, 0x84, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  // QR AA, NOERROR
    0x04, 't', 'e', 's', 't', 0x04, 'h', 'o', 'm', 'e', 0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c,
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,  // name ptr, A, IN, TTL
                                                     // 3600
    0x00, 0x04, 198, 19, 224, 2,                     // RDLENGTH 4, RDATA
};

DnsQuery make_query(std::uint16_t id = 0x1234) {
  auto query = DnsQuery::make("test.home.", 1);
  EXPECT_TRUE(query.has_value());
  query->set_id(id);
  return std::move(*query);
}

Bytes with_flags(Bytes wire, std::uint8_t hi, std::uint8_t lo) {
  wire[2] = hi;
  wire[3] = lo;
  return wire;
}

TEST(DnsMessage, QueryMatchesHandWrittenBytes) {
  const DnsQuery query = make_query();
  const auto wire = query.wire();
  EXPECT_EQ(Bytes(wire.begin(), wire.end()), kQuery);
  EXPECT_EQ(query.id(), 0x1234);
}

TEST(DnsMessage, SetIdPatchesOnlyTheId) {
  DnsQuery query = make_query();
  query.set_id(0xbeef);
  Bytes expected = kQuery;
  expected[0] = 0xbe;
  expected[1] = 0xef;
  const auto wire = query.wire();
  EXPECT_EQ(Bytes(wire.begin(), wire.end()), expected);
  EXPECT_EQ(query.id(), 0xbeef);
}

TEST(DnsMessage, OtherTypeIsEncoded) {
  const auto query = DnsQuery::make("example.org.", 28);  // AAAA
  ASSERT_TRUE(query);
  const auto wire = query->wire();
  ASSERT_EQ(wire.size(), 12u + 13u + 4u);
  EXPECT_EQ(wire[wire.size() - 4], 0x00);
  EXPECT_EQ(wire[wire.size() - 3], 28);
}

TEST(DnsMessage, InvalidNameIsRejected) {
  EXPECT_FALSE(DnsQuery::make(std::string(300, 'a') + ".", 1));
  EXPECT_FALSE(DnsQuery::make("a..b.", 1));
}

TEST(DnsMessage, AnswerWithRecordPasses) {
  const auto v = evaluate_dns_answer(kAnswer, make_query(), 0);
  EXPECT_EQ(v.verdict, Verdict::pass);
  EXPECT_EQ(v.detail, "NOERROR");
}

TEST(DnsMessage, RcodeMismatchFails) {
  const auto v = evaluate_dns_answer(with_flags(kAnswer, 0x84, 0x02), make_query(), 0);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "rcode SERVFAIL, expected NOERROR");
}

TEST(DnsMessage, ExpectedNxdomainPasses) {
  const auto v = evaluate_dns_answer(with_flags(kAnswer, 0x84, 0x03), make_query(), 3);
  EXPECT_EQ(v.verdict, Verdict::pass);
  EXPECT_EQ(v.detail, "NXDOMAIN");
}

TEST(DnsMessage, WrongIdIsUnrelated) {
  const auto v = evaluate_dns_answer(kAnswer, make_query(0x1235), 0);
  EXPECT_EQ(v.verdict, Verdict::unrelated);
  EXPECT_EQ(v.detail, "answer ID 4660, expected 4661");
}

TEST(DnsMessage, OtherQuestionIsUnrelated) {
  auto query = DnsQuery::make("other.home.", 1);
  ASSERT_TRUE(query);
  DnsQuery q = std::move(*query);
  q.set_id(0x1234);
  EXPECT_EQ(evaluate_dns_answer(kAnswer, q, 0).verdict, Verdict::unrelated);
}

TEST(DnsMessage, QuestionCaseIsIgnored) {
  Bytes answer = kAnswer;
  answer[13] = 'T';  // "Test.home."
  EXPECT_EQ(evaluate_dns_answer(answer, make_query(), 0).verdict, Verdict::pass);
}

TEST(DnsMessage, AnswerWithoutQuestionIsJudgedByHeader) {
  const Bytes formerr = {0x12, 0x34, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
  const auto v = evaluate_dns_answer(formerr, make_query(), 0);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "rcode FORMERR, expected NOERROR");
}

TEST(DnsMessage, QueryIsNotAnAnswer) {
  const auto v = evaluate_dns_answer(kQuery, make_query(), 0);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "not a response (QR=0)");
}

TEST(DnsMessage, ShortAnswerIsMalformed) {
  const auto v = evaluate_dns_answer(Bytes{0x12, 0x34, 0x80}, make_query(), 0);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "malformed answer (3 bytes)");
  EXPECT_EQ(evaluate_dns_answer(Bytes{}, make_query(), 0).verdict, Verdict::fail);
}

TEST(DnsMessage, CutAnswerIsMalformed) {
  const Bytes cut(kAnswer.begin(), kAnswer.begin() + 35);
  const auto v = evaluate_dns_answer(cut, make_query(), 0);
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_TRUE(v.detail.starts_with("malformed answer (35 bytes): ")) << v.detail;
}

TEST(DnsMessage, TruncatedAnswerCounts) {
  // TC=1 (RFC 1035 §4.1.1), cut in the middle of the answer record.
  const Bytes cut = with_flags(Bytes(kAnswer.begin(), kAnswer.begin() + 35), 0x86, 0x00);
  const auto v = evaluate_dns_answer(cut, make_query(), 0);
  EXPECT_EQ(v.verdict, Verdict::pass);
  EXPECT_EQ(v.detail, "NOERROR (TC=1)");
  // Whole records and TC=1.
  EXPECT_EQ(evaluate_dns_answer(with_flags(kAnswer, 0x86, 0x00), make_query(), 0).detail,
            "NOERROR (TC=1)");
}

TEST(DnsMessage, GarbageIsMalformed) {
  Bytes garbage(64, 0xff);
  EXPECT_EQ(evaluate_dns_answer(garbage, make_query(), 0).verdict, Verdict::fail);
}

TEST(DnsMessage, RcodeNames) {
  EXPECT_EQ(rcode_name(0), "NOERROR");
  EXPECT_EQ(rcode_name(5), "REFUSED");
  EXPECT_EQ(rcode_name(12), "RCODE12");
}

}  // namespace
}  // namespace anycastd::probe
