// SPDX-License-Identifier: Apache-2.0
#include "ospf/lsdb.hpp"

#include <algorithm>

namespace anycastd::ospf {

std::uint16_t LsdbEntry::age(TimePoint now) const {
  if (header.age >= kMaxAge) return kMaxAge;
  const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - installed).count();
  const auto aged = static_cast<std::int64_t>(header.age) + std::max<std::int64_t>(elapsed, 0);
  return static_cast<std::uint16_t>(std::min<std::int64_t>(aged, kMaxAge));
}

LsaHeader LsdbEntry::header_at(TimePoint now) const {
  LsaHeader h = header;
  h.age = age(now);
  return h;
}

std::vector<std::uint8_t> LsdbEntry::bytes_for_flooding(TimePoint now,
                                                        std::uint16_t inf_trans_delay) const {
  std::vector<std::uint8_t> out = bytes;
  const auto aged = std::min<int>(age(now) + inf_trans_delay, kMaxAge);
  set_lsa_age(out, static_cast<std::uint16_t>(aged));
  return out;
}

const LsdbEntry* Lsdb::find(const LsaKey& key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

InstallResult Lsdb::install(const LsaHeader& header, std::vector<std::uint8_t> bytes, TimePoint now,
                            bool self_originated) {
  const LsaKey key = LsaKey::of(header);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    // Our own LSAs are always kept: they are what we are here to say.
    if (entries_.size() >= limit_ && !self_originated) {
      ++overflows_;
      return InstallResult::full;
    }
    entries_.emplace(key, LsdbEntry{header, std::move(bytes), now, self_originated});
    return InstallResult::added;
  }
  it->second = LsdbEntry{header, std::move(bytes), now, self_originated};
  return InstallResult::replaced;
}

void Lsdb::remove(const LsaKey& key) {
  entries_.erase(key);
}

std::map<std::uint8_t, std::size_t> Lsdb::counts() const {
  std::map<std::uint8_t, std::size_t> out;
  for (const auto& [key, entry] : entries_)
    ++out[key.type];
  return out;
}

std::vector<LsaKey> Lsdb::at_max_age(TimePoint now) const {
  std::vector<LsaKey> out;
  for (const auto& [key, entry] : entries_) {
    if (entry.age(now) >= kMaxAge) out.push_back(key);
  }
  return out;
}

}  // namespace anycastd::ospf
