// SPDX-License-Identifier: Apache-2.0
#include "probe/dns_message.hpp"

#include <ldns/ldns.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "util/buffer.hpp"

namespace anycastd::probe {
namespace {

struct PktFree {
  void operator()(ldns_pkt* pkt) const { ldns_pkt_free(pkt); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;

struct RdfDeepFree {
  void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
};
using RdfPtr = std::unique_ptr<ldns_rdf, RdfDeepFree>;

struct MallocFree {
  void operator()(std::uint8_t* p) const { std::free(p); }
};

// RFC 1035 §4.1.1 header flag bits.
constexpr std::uint16_t kFlagQr = 0x8000;
constexpr std::uint16_t kFlagTc = 0x0200;
constexpr std::uint16_t kRcodeMask = 0x000f;

std::string type_name(std::uint16_t qtype) {
  if (const ldns_rr_descriptor* d = ldns_rr_descript(qtype); d && d->_name) return d->_name;
  return "TYPE" + std::to_string(qtype);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + item;
  return out;
}

// One RDATA field as canonical_rdata() gives it: a TXT character-string
// without its length byte, anything else as ldns prints it, names
// lower-cased.
std::string rdf_text(const ldns_rdf* rdf) {
  if (ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_STR) {
    const auto* data = reinterpret_cast<const char*>(ldns_rdf_data(rdf));
    const std::size_t size = ldns_rdf_size(rdf);
    if (size == 0) return {};
    return std::string(data + 1,
                       std::min<std::size_t>(static_cast<std::uint8_t>(data[0]), size - 1));
  }
  char* printed = ldns_rdf2str(rdf);
  if (printed == nullptr) return {};
  std::string text(printed);
  std::free(printed);
  if (ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  return text;
}

// The canonical RDATA of every record of type `qtype` in the answer section;
// a TXT record's character-strings are concatenated (RFC 7208 §3.3 does the
// same for long SPF strings).
std::vector<std::string> answer_rdata(const ldns_pkt* pkt, std::uint16_t qtype) {
  std::vector<std::string> out;
  const ldns_rr_list* answers = ldns_pkt_answer(pkt);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(answers); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answers, i);
    if (ldns_rr_get_type(rr) != qtype) continue;
    std::string text;
    for (std::size_t f = 0; f < ldns_rr_rd_count(rr); ++f)
      text += rdf_text(ldns_rr_rdf(rr, f));
    out.push_back(std::move(text));
  }
  return out;
}

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

std::optional<std::string> canonical_rdata(std::uint16_t qtype, std::string_view text) {
  const std::string value(text);
  ldns_rdf_type rdf_type = LDNS_RDF_TYPE_NONE;
  switch (qtype) {
    case LDNS_RR_TYPE_TXT:
      return value;
    case LDNS_RR_TYPE_A:
      rdf_type = LDNS_RDF_TYPE_A;
      break;
    case LDNS_RR_TYPE_AAAA:
      rdf_type = LDNS_RDF_TYPE_AAAA;
      break;
    case LDNS_RR_TYPE_CNAME:
    case LDNS_RR_TYPE_NS:
      rdf_type = LDNS_RDF_TYPE_DNAME;
      break;
    default:
      return std::nullopt;
  }
  const RdfPtr rdf(ldns_rdf_new_frm_str(rdf_type, value.c_str()));
  if (!rdf) return std::nullopt;
  return rdf_text(rdf.get());
}

AnswerVerdict evaluate_dns_answer(std::span<const std::uint8_t> wire, const DnsQuery& query,
                                  const DnsExpectation& expect) {
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
  if (rcode != expect.rcode) {
    return {Verdict::fail, "rcode " + rcode_name(rcode) + ", expected " + rcode_name(expect.rcode)};
  }
  std::string detail = rcode_name(rcode) + (truncated ? " (TC=1)" : "");
  if (expect.answers.empty()) return {Verdict::pass, std::move(detail)};
  if (!pkt) return {Verdict::fail, detail + " with a cut answer section"};
  const std::vector<std::string> got = answer_rdata(pkt.get(), query.qtype());
  for (const auto& want : expect.answers) {
    if (std::find(got.begin(), got.end(), want) == got.end()) {
      return {Verdict::fail, fmt::format("{}, {} not in the answer ({})", detail, want,
                                         got.empty() ? "no " + type_name(query.qtype()) + " records"
                                                     : "got " + join(got))};
    }
  }
  return {Verdict::pass, fmt::format("{}, {} expected answer{}", detail, expect.answers.size(),
                                     expect.answers.size() == 1 ? "" : "s")};
}

std::optional<std::uint32_t> soa_serial(std::span<const std::uint8_t> wire, const DnsQuery& query) {
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, wire.data(), wire.size()) != LDNS_STATUS_OK) {
    ldns_pkt_free(raw);
    return std::nullopt;
  }
  const PktPtr pkt(raw);
  const ldns_rr_list* answers = ldns_pkt_answer(pkt.get());
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(answers); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answers, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA ||
        ldns_dname_compare(ldns_rr_owner(rr), query.qname()) != 0) {
      continue;
    }
    // RFC 1035 §3.3.13: MNAME, RNAME, SERIAL, ...
    const ldns_rdf* serial = ldns_rr_rdf(rr, 2);
    if (serial == nullptr || ldns_rdf_get_type(serial) != LDNS_RDF_TYPE_INT32 ||
        ldns_rdf_size(serial) != 4) {
      continue;
    }
    return ldns_rdf2native_int32(serial);
  }
  return std::nullopt;
}

}  // namespace anycastd::probe
