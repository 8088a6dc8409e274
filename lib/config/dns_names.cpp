// SPDX-License-Identifier: Apache-2.0
#include "config/dns_names.hpp"

#include <ldns/ldns.h>

namespace anycastd::config {

bool valid_domain_name(const std::string& name) {
  ldns_rdf* dname = nullptr;
  const bool ok = !name.empty() && ldns_str2rdf_dname(&dname, name.c_str()) == LDNS_STATUS_OK;
  ldns_rdf_deep_free(dname);
  return ok;
}

std::optional<std::uint16_t> dns_type_code(const std::string& name) {
  const ldns_rr_type type = ldns_get_rr_type_by_name(name.c_str());
  if (type == 0) return std::nullopt;
  return static_cast<std::uint16_t>(type);
}

std::optional<std::uint8_t> dns_rcode_code(const std::string& name) {
  const ldns_lookup_table* rcode = ldns_lookup_by_name(ldns_rcodes, name.c_str());
  if (!rcode || rcode->id < 0 || rcode->id > 15) return std::nullopt;
  return static_cast<std::uint8_t>(rcode->id);
}

bool valid_rdata(std::uint16_t qtype, const std::string& text) {
  ldns_rdf_type rdf_type = LDNS_RDF_TYPE_NONE;
  switch (qtype) {
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
    case LDNS_RR_TYPE_TXT:
      return true;
    default:
      return false;
  }
  ldns_rdf* rdf = ldns_rdf_new_frm_str(rdf_type, text.c_str());
  const bool valid = rdf != nullptr;
  ldns_rdf_deep_free(rdf);
  return valid;
}

}  // namespace anycastd::config
