#include "probe/dns_message.hpp"

#include <ldns/ldns.h>

#include <cstdlib>
#include <string>

#include "util/buffer.hpp"

namespace anycastd::probe {
namespace {

struct PktFree {
  void operator()(ldns_pkt* pkt) const { ldns_pkt_free(pkt); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;

struct MallocFree {
  void operator()(std::uint8_t* p) const { std::free(p); }
};

// RFC 1035 §4.1.1 header flag bits.
constexpr std::uint16_t kFlagQr = 0x8000;
constexpr std::uint16_t kFlagTc = 0x0200;
constexpr std::uint16_t kRcodeMask = 0x000f;

bool same_question(const ldns_pkt* pkt, const DnsQuery& query) {
  const ldns_rr_list* questions = ldns_pkt_question(pkt);
  // Servers may leave the question out of a FORMERR or NOTIMP answer.
  if (ldns_rr_list_rr_count(questions) == 0) return true;
  const ldns_rr* q = ldns_rr_list_rr(questions, 0);
  return ldns_rr_get_type(q) == query.qtype() &&
         ldns_dname_compare(ldns_rr_owner(q), query.qname()) == 0;
}

}  // namespace

void DnsQuery::RdfFree::operator()(ldns_struct_rdf* rdf) const {
  ldns_rdf_deep_free(rdf);
}

std::optional<DnsQuery> DnsQuery::make(std::string_view qname, std::uint16_t qtype) {
  const std::string text(qname);
  DnsQuery query;
  query.qname_.reset(ldns_dname_new_frm_str(text.c_str()));
  if (!query.qname_) return std::nullopt;
  query.qtype_ = qtype;

  // The packet takes ownership of the name it is given, so give it a copy.
  PktPtr pkt(ldns_pkt_query_new(ldns_rdf_clone(query.qname_.get()),
                                static_cast<ldns_rr_type>(qtype), LDNS_RR_CLASS_IN, 0));
  if (!pkt) return std::nullopt;
  std::uint8_t* raw = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&raw, pkt.get(), &size) != LDNS_STATUS_OK) return std::nullopt;
  const std::unique_ptr<std::uint8_t, MallocFree> wire(raw);
  if (size < kDnsHeaderSize) return std::nullopt;
  query.wire_.assign(raw, raw + size);
  return query;
}

std::uint16_t DnsQuery::id() const {
  return static_cast<std::uint16_t>((wire_[0] << 8) | wire_[1]);
}

void DnsQuery::set_id(std::uint16_t id) {
  wire_[0] = static_cast<std::uint8_t>(id >> 8);
  wire_[1] = static_cast<std::uint8_t>(id);
}

std::string rcode_name(std::uint8_t rcode) {
  if (const ldns_lookup_table* entry = ldns_lookup_by_id(ldns_rcodes, rcode)) return entry->name;
  return "RCODE" + std::to_string(rcode);
}

AnswerVerdict evaluate_dns_answer(std::span<const std::uint8_t> wire, const DnsQuery& query,
                                  std::uint8_t expect_rcode) {
  BufReader header(wire);
  const auto id = header.u16();
  const auto flags = header.u16();
  if (wire.size() < kDnsHeaderSize || !id || !flags) {
    return {Verdict::fail, "malformed answer (" + std::to_string(wire.size()) + " bytes)"};
  }
  const bool truncated = (*flags & kFlagTc) != 0;

  ldns_pkt* raw = nullptr;
  const ldns_status status = ldns_wire2pkt(&raw, wire.data(), wire.size());
  const PktPtr pkt(raw);
  if (status != LDNS_STATUS_OK) {
    // RFC 2181 §9: a truncated answer may end mid-record; its header still
    // says how the query went.
    if (!truncated || *id != query.id()) {
      return {Verdict::fail, "malformed answer (" + std::to_string(wire.size()) +
                                 " bytes): " + ldns_get_errorstr_by_id(status)};
    }
  }
  if (*id != query.id()) {
    return {Verdict::unrelated,
            "answer ID " + std::to_string(*id) + ", expected " + std::to_string(query.id())};
  }
  // RFC 1035 §4.1.1: QR "specifies whether this message is a query (0), or a response (1)".
  if ((*flags & kFlagQr) == 0) return {Verdict::fail, "not a response (QR=0)"};
  if (pkt && !same_question(pkt.get(), query)) {
    return {Verdict::unrelated, "answer to another question"};
  }

  const auto rcode = static_cast<std::uint8_t>(*flags & kRcodeMask);
  if (rcode != expect_rcode) {
    return {Verdict::fail, "rcode " + rcode_name(rcode) + ", expected " + rcode_name(expect_rcode)};
  }
  return {Verdict::pass, rcode_name(rcode) + (truncated ? " (TC=1)" : "")};
}

}  // namespace anycastd::probe
