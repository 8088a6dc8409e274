// SPDX-License-Identifier: Apache-2.0
// The link-state database of our one area (RFC 2328 §12.2, §13.2, §14):
// every LSA as received, keyed by (type, ID, advertising router), aged from
// the time it was installed. Bounded: beyond `limit` LSAs new ones are
// refused, counted and reported. Pure data: no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "core/sans_io.hpp"
#include "ospf/lsa.hpp"

namespace anycastd::ospf {

using TimePoint = core::TimePoint;

struct LsdbEntry {
  LsaHeader header;  // as installed; header.age is the age at `installed`
  std::vector<std::uint8_t> bytes;
  TimePoint installed;
  bool self_originated = false;

  // RFC 2328 §12.1.1: the age grows by one each second and stops at MaxAge.
  std::uint16_t age(TimePoint now) const;
  LsaHeader header_at(TimePoint now) const;
  // The LSA to put in a Link State Update: RFC 2328 §13.3 "the LS age field
  // ... must be incremented by InfTransDelay", capped at MaxAge.
  std::vector<std::uint8_t> bytes_for_flooding(TimePoint now, std::uint16_t inf_trans_delay) const;
};

enum class InstallResult : std::uint8_t { added, replaced, full };

class Lsdb {
 public:
  explicit Lsdb(std::size_t limit) : limit_(limit) {}

  const LsdbEntry* find(const LsaKey& key) const;
  // Installs `bytes` (one whole, checked LSA) as the current instance.
  InstallResult install(const LsaHeader& header, std::vector<std::uint8_t> bytes, TimePoint now,
                        bool self_originated = false);
  void remove(const LsaKey& key);

  const std::map<LsaKey, LsdbEntry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  std::size_t limit() const { return limit_; }
  void set_limit(std::size_t limit) { limit_ = limit; }
  // LSAs refused because the database was full.
  std::uint64_t overflows() const { return overflows_; }
  // LSAs per type.
  std::map<std::uint8_t, std::size_t> counts() const;
  // Keys of LSAs whose age has reached MaxAge by `now`.
  std::vector<LsaKey> at_max_age(TimePoint now) const;

 private:
  std::map<LsaKey, LsdbEntry> entries_;
  std::size_t limit_;
  std::uint64_t overflows_ = 0;
};

}  // namespace anycastd::ospf
