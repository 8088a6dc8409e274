// SPDX-License-Identifier: Apache-2.0
#include "util/digest.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace anycastd {

namespace {

const EVP_MD* algorithm(std::size_t size) {
  return size == 16 ? EVP_md5() : EVP_sha1();
}

}  // namespace

template <std::size_t N>
void Digest<N>::Free::operator()(evp_md_ctx_st* ctx) const {
  EVP_MD_CTX_free(ctx);
}

template <std::size_t N>
Digest<N>::Digest() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), algorithm(N), nullptr) != 1) {
    throw std::runtime_error(N == 16 ? "OpenSSL cannot compute MD5 (a FIPS-only configuration?)"
                                     : "OpenSSL cannot compute SHA1");
  }
}

template <std::size_t N>
void Digest<N>::update(std::span<const std::uint8_t> data) {
  EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

template <std::size_t N>
void Digest<N>::update(std::string_view text) {
  EVP_DigestUpdate(ctx_.get(), text.data(), text.size());
}

template <std::size_t N>
typename Digest<N>::Value Digest<N>::finish() {
  Value out{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx_.get(), out.data(), &size);
  return out;
}

template <std::size_t N>
typename Digest<N>::Value Digest<N>::digest(std::span<const std::uint8_t> data) {
  Digest d;
  d.update(data);
  return d.finish();
}

template class Digest<16>;
template class Digest<20>;

}  // namespace anycastd
