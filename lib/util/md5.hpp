// MD5 message digest (RFC 1321), for keyed-MD5 authentication in RIPv2
// (RFC 2082) and OSPFv2 (RFC 2328 appendix D). Not for anything that needs
// collision resistance.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace anycastd {

using Md5Digest = std::array<std::uint8_t, 16>;

class Md5 {
 public:
  Md5();
  void update(std::span<const std::uint8_t> data);
  void update(std::string_view text);
  // Pads, appends the length and returns the digest; the object is then spent.
  Md5Digest finish();

  static Md5Digest digest(std::span<const std::uint8_t> data);

 private:
  void transform(const std::uint8_t* block);

  std::array<std::uint32_t, 4> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::uint64_t length_ = 0;  // bytes hashed so far
};

}  // namespace anycastd
