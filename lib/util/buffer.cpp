// SPDX-License-Identifier: Apache-2.0
#include "util/buffer.hpp"

namespace anycastd {

bool BufReader::take(std::size_t n) {
  if (failed_ || remaining() < n) {
    failed_ = true;
    return false;
  }
  return true;
}

std::optional<std::uint8_t> BufReader::u8() {
  if (!take(1)) return std::nullopt;
  return data_[pos_++];
}

std::optional<std::uint16_t> BufReader::u16() {
  if (!take(2)) return std::nullopt;
  const auto v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
  pos_ += 2;
  return v;
}

std::optional<std::uint32_t> BufReader::u32() {
  if (!take(4)) return std::nullopt;
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v = (v << 8) | data_[pos_++];
  return v;
}

std::optional<std::uint64_t> BufReader::u64() {
  if (!take(8)) return std::nullopt;
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | data_[pos_++];
  return v;
}

std::optional<std::span<const std::uint8_t>> BufReader::bytes(std::size_t n) {
  if (!take(n)) return std::nullopt;
  auto s = data_.subspan(pos_, n);
  pos_ += n;
  return s;
}

std::optional<BufReader> BufReader::sub(std::size_t n) {
  auto s = bytes(n);
  if (!s) return std::nullopt;
  return BufReader(*s);
}

bool BufReader::skip(std::size_t n) {
  return bytes(n).has_value();
}

void BufWriter::u16(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}

void BufWriter::u32(std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out_.push_back(static_cast<std::uint8_t>(v >> shift));
}

void BufWriter::u64(std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out_.push_back(static_cast<std::uint8_t>(v >> shift));
}

void BufWriter::put_u16_at(std::size_t offset, std::uint16_t v) {
  out_.at(offset) = static_cast<std::uint8_t>(v >> 8);
  out_.at(offset + 1) = static_cast<std::uint8_t>(v);
}

}  // namespace anycastd
