#include "util/md5.hpp"

#include <algorithm>
#include <bit>

namespace anycastd {

namespace {

// RFC 1321 §3.4: the per-step shift amounts and the sine-derived constants T[i].
constexpr std::array<std::uint32_t, 64> kShift = {
    7,  12, 17, 22, 7,  12, 17, 22, 7,  12, 17, 22, 7,  12, 17, 22, 5,  9,  14, 20, 5,  9,
    14, 20, 5,  9,  14, 20, 5,  9,  14, 20, 4,  11, 16, 23, 4,  11, 16, 23, 4,  11, 16, 23,
    4,  11, 16, 23, 6,  10, 15, 21, 6,  10, 15, 21, 6,  10, 15, 21, 6,  10, 15, 21};

constexpr std::array<std::uint32_t, 64> kSine = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

}  // namespace

Md5::Md5() : state_{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476} {}

void Md5::transform(const std::uint8_t* block) {
  std::array<std::uint32_t, 16> x{};
  for (std::size_t i = 0; i < 16; ++i) {
    // RFC 1321 §3.4: words are taken low-order byte first.
    x[i] = std::uint32_t{block[i * 4]} | std::uint32_t{block[i * 4 + 1]} << 8 |
           std::uint32_t{block[i * 4 + 2]} << 16 | std::uint32_t{block[i * 4 + 3]} << 24;
  }
  auto [a, b, c, d] = state_;
  for (std::uint32_t i = 0; i < 64; ++i) {
    std::uint32_t f = 0;
    std::uint32_t g = 0;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) % 16;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) % 16;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) % 16;
    }
    const std::uint32_t rotated = std::rotl(a + f + kSine[i] + x[g], static_cast<int>(kShift[i]));
    a = d;
    d = c;
    c = b;
    b = b + rotated;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
}

void Md5::update(std::span<const std::uint8_t> data) {
  std::size_t used = length_ % 64;
  length_ += data.size();
  while (!data.empty()) {
    const std::size_t take = std::min(data.size(), 64 - used);
    std::copy_n(data.begin(), take, buffer_.begin() + static_cast<std::ptrdiff_t>(used));
    used += take;
    data = data.subspan(take);
    if (used == 64) {
      transform(buffer_.data());
      used = 0;
    }
  }
}

void Md5::update(std::string_view text) {
  update(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

Md5Digest Md5::finish() {
  // RFC 1321 §3.1-3.2: a single 1 bit, zeros up to 56 mod 64, then the bit
  // length as a 64-bit little-endian value.
  const std::uint64_t bits = length_ * 8;
  const std::uint8_t one = 0x80;
  update(std::span(&one, 1));
  const std::uint8_t zero = 0;
  while (length_ % 64 != 56)
    update(std::span(&zero, 1));
  std::array<std::uint8_t, 8> tail{};
  for (std::size_t i = 0; i < 8; ++i)
    tail[i] = static_cast<std::uint8_t>(bits >> (8 * i));
  update(tail);
  Md5Digest out{};
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t j = 0; j < 4; ++j)
      out[i * 4 + j] = static_cast<std::uint8_t>(state_[i] >> (8 * j));
  }
  return out;
}

Md5Digest Md5::digest(std::span<const std::uint8_t> data) {
  Md5 md5;
  md5.update(data);
  return md5.finish();
}

}  // namespace anycastd
