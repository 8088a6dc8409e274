// SPDX-License-Identifier: Apache-2.0
#include "probe/dns_message.hpp"

#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <cstdint>
#include <cstdlib>
#include <string>
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
  const auto v = evaluate_dns_answer(kAnswer, make_query(), DnsExpectation{0, {}});
  EXPECT_EQ(v.verdict, Verdict::pass);
  EXPECT_EQ(v.detail, "NOERROR");
}

TEST(DnsMessage, RcodeMismatchFails) {
  const auto v =
      evaluate_dns_answer(with_flags(kAnswer, 0x84, 0x02), make_query(), DnsExpectation{0, {}});
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "rcode SERVFAIL, expected NOERROR");
}

TEST(DnsMessage, ExpectedNxdomainPasses) {
  const auto v =
      evaluate_dns_answer(with_flags(kAnswer, 0x84, 0x03), make_query(), DnsExpectation{3, {}});
  EXPECT_EQ(v.verdict, Verdict::pass);
  EXPECT_EQ(v.detail, "NXDOMAIN");
}

TEST(DnsMessage, WrongIdIsUnrelated) {
  const auto v = evaluate_dns_answer(kAnswer, make_query(0x1235), DnsExpectation{0, {}});
  EXPECT_EQ(v.verdict, Verdict::unrelated);
  EXPECT_EQ(v.detail, "answer ID 4660, expected 4661");
}

TEST(DnsMessage, OtherQuestionIsUnrelated) {
  auto query = DnsQuery::make("other.home.", 1);
  ASSERT_TRUE(query);
  DnsQuery q = std::move(*query);
  q.set_id(0x1234);
  EXPECT_EQ(evaluate_dns_answer(kAnswer, q, DnsExpectation{0, {}}).verdict, Verdict::unrelated);
}

TEST(DnsMessage, QuestionCaseIsIgnored) {
  Bytes answer = kAnswer;
  answer[13] = 'T';  // "Test.home."
  EXPECT_EQ(evaluate_dns_answer(answer, make_query(), DnsExpectation{0, {}}).verdict,
            Verdict::pass);
}

TEST(DnsMessage, AnswerWithoutQuestionIsJudgedByHeader) {
  const Bytes formerr = {0x12, 0x34, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
  const auto v = evaluate_dns_answer(formerr, make_query(), DnsExpectation{0, {}});
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "rcode FORMERR, expected NOERROR");
}

TEST(DnsMessage, QueryIsNotAnAnswer) {
  const auto v = evaluate_dns_answer(kQuery, make_query(), DnsExpectation{0, {}});
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "not a response (QR=0)");
}

TEST(DnsMessage, ShortAnswerIsMalformed) {
  const auto v = evaluate_dns_answer(Bytes{0x12, 0x34, 0x80}, make_query(), DnsExpectation{0, {}});
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "malformed answer (3 bytes)");
  EXPECT_EQ(evaluate_dns_answer(Bytes{}, make_query(), DnsExpectation{0, {}}).verdict,
            Verdict::fail);
}

TEST(DnsMessage, CutAnswerIsMalformed) {
  const Bytes cut(kAnswer.begin(), kAnswer.begin() + 35);
  const auto v = evaluate_dns_answer(cut, make_query(), DnsExpectation{0, {}});
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_TRUE(v.detail.starts_with("malformed answer (35 bytes): ")) << v.detail;
}

TEST(DnsMessage, TruncatedAnswerCounts) {
  // TC=1 (RFC 1035 §4.1.1), cut in the middle of the answer record.
  const Bytes cut = with_flags(Bytes(kAnswer.begin(), kAnswer.begin() + 35), 0x86, 0x00);
  const auto v = evaluate_dns_answer(cut, make_query(), DnsExpectation{0, {}});
  EXPECT_EQ(v.verdict, Verdict::pass);
  EXPECT_EQ(v.detail, "NOERROR (TC=1)");
  // Whole records and TC=1.
  EXPECT_EQ(
      evaluate_dns_answer(with_flags(kAnswer, 0x86, 0x00), make_query(), DnsExpectation{0, {}})
          .detail,
      "NOERROR (TC=1)");
}

TEST(DnsMessage, GarbageIsMalformed) {
  Bytes garbage(64, 0xff);
  EXPECT_EQ(evaluate_dns_answer(garbage, make_query(), DnsExpectation{0, {}}).verdict,
            Verdict::fail);
}

TEST(DnsMessage, RcodeNames) {
  EXPECT_EQ(rcode_name(0), "NOERROR");
  EXPECT_EQ(rcode_name(5), "REFUSED");
  EXPECT_EQ(rcode_name(12), "RCODE12");
}

}  // namespace
}  // namespace anycastd::probe

namespace anycastd::probe {
namespace {

// Answers built with libldns from presentation format (an encoder
// independent of ours): `records` go into the answer section of a
// response to `query` (QR=1, AA=1, its ID and question).
Bytes answer_of(const DnsQuery& query, std::uint16_t qtype,
                const std::vector<std::string>& records) {
  ldns_pkt* pkt = ldns_pkt_query_new(ldns_rdf_clone(query.qname()),
                                     static_cast<ldns_rr_type>(qtype), LDNS_RR_CLASS_IN, 0);
  ldns_pkt_set_id(pkt, query.id());
  ldns_pkt_set_qr(pkt, true);
  ldns_pkt_set_aa(pkt, true);
  for (const auto& text : records) {
    ldns_rr* rr = nullptr;
    EXPECT_EQ(ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr), LDNS_STATUS_OK) << text;
    ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr);
  }
  std::uint8_t* raw = nullptr;
  std::size_t size = 0;
  EXPECT_EQ(ldns_pkt2wire(&raw, pkt, &size), LDNS_STATUS_OK);
  Bytes wire(raw, raw + size);
  std::free(raw);
  ldns_pkt_free(pkt);
  return wire;
}

DnsQuery query_for(std::uint16_t qtype, const char* name = "test.home.") {
  auto query = DnsQuery::make(name, qtype);
  EXPECT_TRUE(query.has_value());
  query->set_id(0x4242);
  return std::move(*query);
}

DnsExpectation expecting(std::uint16_t qtype, const std::vector<std::string>& texts) {
  DnsExpectation e;
  for (const auto& t : texts) {
    const auto canonical = canonical_rdata(qtype, t);
    EXPECT_TRUE(canonical) << t;
    if (canonical) e.answers.push_back(*canonical);
  }
  return e;
}

TEST(DnsExpectAnswer, EveryExpectedAddressMustBeThere) {
  const auto q = query_for(LDNS_RR_TYPE_A);
  const auto both = answer_of(
      q, LDNS_RR_TYPE_A, {"test.home. 60 IN A 198.18.100.1", "test.home. 60 IN A 198.18.100.2"});
  auto v =
      evaluate_dns_answer(both, q, expecting(LDNS_RR_TYPE_A, {"198.18.100.2", "198.18.100.1"}));
  EXPECT_EQ(v.verdict, Verdict::pass);
  EXPECT_EQ(v.detail, "NOERROR, 2 expected answers");

  const auto one = answer_of(q, LDNS_RR_TYPE_A, {"test.home. 60 IN A 198.18.100.1"});
  v = evaluate_dns_answer(one, q, expecting(LDNS_RR_TYPE_A, {"198.18.100.1", "198.18.100.2"}));
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "NOERROR, 198.18.100.2 not in the answer (got 198.18.100.1)");
}

TEST(DnsExpectAnswer, WrongDataWithNoErrorFails) {
  const auto q = query_for(LDNS_RR_TYPE_A);
  const auto wrong = answer_of(q, LDNS_RR_TYPE_A, {"test.home. 60 IN A 198.18.66.6"});
  const auto v = evaluate_dns_answer(wrong, q, expecting(LDNS_RR_TYPE_A, {"198.18.100.1"}));
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "NOERROR, 198.18.100.1 not in the answer (got 198.18.66.6)");
  const auto empty = answer_of(q, LDNS_RR_TYPE_A, {});
  EXPECT_EQ(evaluate_dns_answer(empty, q, expecting(LDNS_RR_TYPE_A, {"198.18.100.1"})).detail,
            "NOERROR, 198.18.100.1 not in the answer (no A records)");
}

TEST(DnsExpectAnswer, AaaaIsComparedAsAnAddress) {
  const auto q = query_for(LDNS_RR_TYPE_AAAA);
  const auto wire = answer_of(q, LDNS_RR_TYPE_AAAA, {"test.home. 60 IN AAAA 2001:db8::1"});
  EXPECT_EQ(evaluate_dns_answer(wire, q, expecting(LDNS_RR_TYPE_AAAA, {"2001:DB8:0:0::1"})).verdict,
            Verdict::pass);
  EXPECT_EQ(evaluate_dns_answer(wire, q, expecting(LDNS_RR_TYPE_AAAA, {"2001:db8::2"})).verdict,
            Verdict::fail);
}

TEST(DnsExpectAnswer, TxtStringsAreJoined) {
  const auto q = query_for(LDNS_RR_TYPE_TXT);
  const auto wire = answer_of(
      q, LDNS_RR_TYPE_TXT, {"test.home. 60 IN TXT \"v=spf1 \" \"-all\"", "test.home. 60 IN TXT x"});
  EXPECT_EQ(evaluate_dns_answer(wire, q, expecting(LDNS_RR_TYPE_TXT, {"v=spf1 -all", "x"})).verdict,
            Verdict::pass);
  const auto v = evaluate_dns_answer(wire, q, expecting(LDNS_RR_TYPE_TXT, {"v=spf1"}));
  EXPECT_EQ(v.verdict, Verdict::fail);
  EXPECT_EQ(v.detail, "NOERROR, v=spf1 not in the answer (got v=spf1 -all, x)");
}

TEST(DnsExpectAnswer, NamesMatchWithoutCaseAndWithTheRootDot) {
  const auto q = query_for(LDNS_RR_TYPE_CNAME, "www.test.home.");
  const auto wire = answer_of(q, LDNS_RR_TYPE_CNAME, {"www.test.home. 60 IN CNAME Web.Test.Home."});
  EXPECT_EQ(evaluate_dns_answer(wire, q, expecting(LDNS_RR_TYPE_CNAME, {"web.test.home"})).verdict,
            Verdict::pass);
  const auto ns = query_for(LDNS_RR_TYPE_NS, "home.");
  const auto ns_wire =
      answer_of(ns, LDNS_RR_TYPE_NS, {"home. 60 IN NS ns1.home.", "home. 60 IN NS ns2.home."});
  auto v = evaluate_dns_answer(ns_wire, ns, expecting(LDNS_RR_TYPE_NS, {"NS2.home.", "ns1.home."}));
  EXPECT_EQ(v.verdict, Verdict::pass);
  v = evaluate_dns_answer(ns_wire, ns, expecting(LDNS_RR_TYPE_NS, {"ns3.home."}));
  EXPECT_EQ(v.detail, "NOERROR, ns3.home. not in the answer (got ns1.home., ns2.home.)");
}

TEST(DnsExpectAnswer, TheTargetOfACnameChainCounts) {
  const auto q = query_for(LDNS_RR_TYPE_A, "www.test.home.");
  const auto wire = answer_of(
      q, LDNS_RR_TYPE_A,
      {"www.test.home. 60 IN CNAME web.test.home.", "web.test.home. 60 IN A 198.18.100.1"});
  EXPECT_EQ(evaluate_dns_answer(wire, q, expecting(LDNS_RR_TYPE_A, {"198.18.100.1"})).verdict,
            Verdict::pass);
}

TEST(DnsExpectAnswer, RcodeIsJudgedFirst) {
  const auto q = query_for(LDNS_RR_TYPE_A);
  auto wire = answer_of(q, LDNS_RR_TYPE_A, {"test.home. 60 IN A 198.18.100.1"});
  wire[3] = 0x02;  // SERVFAIL
  const auto v = evaluate_dns_answer(wire, q, expecting(LDNS_RR_TYPE_A, {"198.18.100.1"}));
  EXPECT_EQ(v.detail, "rcode SERVFAIL, expected NOERROR");
}

TEST(DnsExpectAnswer, CanonicalForms) {
  EXPECT_EQ(canonical_rdata(LDNS_RR_TYPE_A, "198.18.100.1"), "198.18.100.1");
  EXPECT_EQ(canonical_rdata(LDNS_RR_TYPE_AAAA, "2001:0db8::0001"), "2001:db8::1");
  EXPECT_EQ(canonical_rdata(LDNS_RR_TYPE_CNAME, "A.Example"), "a.example.");
  EXPECT_EQ(canonical_rdata(LDNS_RR_TYPE_TXT, "Some Text"), "Some Text");
  EXPECT_FALSE(canonical_rdata(LDNS_RR_TYPE_A, "198.18.100.300"));
  EXPECT_FALSE(canonical_rdata(LDNS_RR_TYPE_A, "2001:db8::1"));
  EXPECT_FALSE(canonical_rdata(LDNS_RR_TYPE_MX, "10 mx.example."));
}

TEST(DnsSoaSerial, TheSerialOfTheNamesSoa) {
  const auto q = query_for(LDNS_RR_TYPE_SOA, "home.");
  const auto wire = answer_of(
      q, LDNS_RR_TYPE_SOA, {"home. 60 IN SOA ns1.home. admin.home. 2024010107 3600 600 86400 60"});
  EXPECT_EQ(soa_serial(wire, q), 2024010107u);
  const auto top =
      answer_of(q, LDNS_RR_TYPE_SOA, {"home. 60 IN SOA ns1.home. admin.home. 4294967295 1 1 1 1"});
  EXPECT_EQ(soa_serial(top, q), 4294967295u);
}

TEST(DnsSoaSerial, NoneForAnotherOwnerAnEmptyAnswerOrGarbage) {
  const auto q = query_for(LDNS_RR_TYPE_SOA, "home.");
  EXPECT_FALSE(soa_serial(
      answer_of(q, LDNS_RR_TYPE_SOA, {"other. 60 IN SOA ns1.home. admin.home. 7 1 1 1 1"}), q));
  EXPECT_FALSE(soa_serial(answer_of(q, LDNS_RR_TYPE_SOA, {}), q));
  EXPECT_FALSE(soa_serial(Bytes{0x42, 0x42, 0x84}, q));
}

}  // namespace
}  // namespace anycastd::probe
