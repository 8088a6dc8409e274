// DNS health-check messages (RFC 1035 §4.1), built and parsed with libldns.
// Pure: no sockets, so the query and the answer check are tested and fuzzed
// on byte vectors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
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

// Judges `wire` as the answer to `query`:
//  - shorter than a header, or not parseable by ldns: fail ("malformed ..."),
//    except a TC=1 answer with our ID that ends mid-record (RFC 2181 §9);
//  - another ID, or a question that is not ours: unrelated (RFC 5452 §9.1);
//  - QR=0: fail;
//  - otherwise pass when RCODE == expect_rcode. TC=1 counts as an answer.
AnswerVerdict evaluate_dns_answer(std::span<const std::uint8_t> wire, const DnsQuery& query,
                                  std::uint8_t expect_rcode);

// "NOERROR", "SERVFAIL", ...; "RCODE12" for a code without a name.
std::string rcode_name(std::uint8_t rcode);

}  // namespace anycastd::probe
