// SPDX-License-Identifier: Apache-2.0
// DNS health-check messages (RFC 1035 §4.1), built and parsed with libldns.
// Pure: no sockets, so the query and the answer check are tested and fuzzed
// on byte vectors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "probe/verdict.hpp"

struct ldns_struct_rdf;

namespace anycastd::probe {

inline constexpr std::size_t kDnsHeaderSize = 12;  // RFC 1035 §4.1.1

// One question, encoded once; each probe patches only the 16-bit ID.
class DnsQuery {
 public:
  // A query for `qname` (e.g. "test.home.") and RR type `qtype`, class IN,
  // all flags clear (RD off: we ask the service itself). nullopt when
  // `qname` is not a valid domain name.
  static std::optional<DnsQuery> make(std::string_view qname, std::uint16_t qtype);

  std::uint16_t id() const;
  void set_id(std::uint16_t id);
  std::uint16_t qtype() const { return qtype_; }
  const ldns_struct_rdf* qname() const { return qname_.get(); }
  std::span<const std::uint8_t> wire() const { return wire_; }

 private:
  struct RdfFree {
    void operator()(ldns_struct_rdf* rdf) const;
  };
  DnsQuery() = default;

  std::vector<std::uint8_t> wire_;
  std::unique_ptr<ldns_struct_rdf, RdfFree> qname_;
  std::uint16_t qtype_ = 0;
};

// What an answer must hold to pass.
struct DnsExpectation {
  std::uint8_t rcode = 0;
  // Canonical RDATA (canonical_rdata()) of the query's type, each of which
  // must be in the answer section.
  std::vector<std::string> answers;
};

// `text` (config presentation format) as matched against an answer: an A or
// AAAA address as ldns prints it, a CNAME or NS name lower-cased and
// absolute, a TXT value as it is. nullopt when `text` is not data of `qtype`
// or `qtype` is not one of these five.
std::optional<std::string> canonical_rdata(std::uint16_t qtype, std::string_view text);

// Judges `wire` as the answer to `query`:
//  - shorter than a header, or not parseable by ldns: fail ("malformed ..."),
//    except a TC=1 answer with our ID that ends mid-record (RFC 2181 §9);
//  - another ID, or a question that is not ours: unrelated (RFC 5452 §9.1);
//  - QR=0: fail;
//  - RCODE != expect.rcode: fail. TC=1 counts as an answer;
//  - an expected answer missing from the answer section's records of the
//    query's type (any owner, so a CNAME chain's target counts): fail;
//  - otherwise pass.
AnswerVerdict evaluate_dns_answer(std::span<const std::uint8_t> wire, const DnsQuery& query,
                                  const DnsExpectation& expect);

// The serial of the SOA record for the query's name in the answer section of
// `wire` (RFC 1035 §3.3.13), or nullopt when there is none or `wire` does
// not parse.
std::optional<std::uint32_t> soa_serial(std::span<const std::uint8_t> wire, const DnsQuery& query);

// "NOERROR", "SERVFAIL", ...; "RCODE12" for a code without a name.
std::string rcode_name(std::uint8_t rcode);

}  // namespace anycastd::probe
