// SPDX-License-Identifier: Apache-2.0
// Message digests through OpenSSL's EVP interface, for keyed authentication:
// MD5 in RIPv2 (RFC 2082) and OSPFv2 (RFC 2328 appendix D), SHA1 in BFD
// (RFC 5880 §6.7.4). Not for anything that needs collision resistance.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

struct evp_md_ctx_st;

namespace anycastd {

// An incremental digest of N bytes: 16 is MD5, 20 is SHA1.
template <std::size_t N>
class Digest {
 public:
  using Value = std::array<std::uint8_t, N>;

  // Throws std::runtime_error if OpenSSL cannot provide the algorithm.
  Digest();
  void update(std::span<const std::uint8_t> data);
  void update(std::string_view text);
  // The digest of everything given to update(); the object is then spent.
  Value finish();

  static Value digest(std::span<const std::uint8_t> data);

 private:
  struct Free {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

using Md5 = Digest<16>;
using Md5Digest = Md5::Value;
using Sha1 = Digest<20>;
using Sha1Digest = Sha1::Value;

extern template class Digest<16>;
extern template class Digest<20>;

}  // namespace anycastd
