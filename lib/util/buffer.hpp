// SPDX-License-Identifier: Apache-2.0
// Bounds-checked big-endian reader and writer for wire formats. A read past
// the end fails (returns nullopt / false), never touches memory outside the
// span, and leaves the reader failed: every later read fails too, so a
// decoder may read a run of fields and check ok() once before using any.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace anycastd {

class BufReader {
 public:
  explicit BufReader(std::span<const std::uint8_t> data) : data_(data) {}

  // False once any read ran past the end.
  bool ok() const { return !failed_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t position() const { return pos_; }
  bool empty() const { return remaining() == 0; }
  // The bytes not read yet.
  std::span<const std::uint8_t> rest() const { return data_.subspan(pos_); }

  std::optional<std::uint8_t> u8();
  std::optional<std::uint16_t> u16();
  std::optional<std::uint32_t> u32();
  std::optional<std::uint64_t> u64();
  // The next `n` bytes as a span into the buffer.
  std::optional<std::span<const std::uint8_t>> bytes(std::size_t n);
  // A reader over the next `n` bytes, for a nested TLV; this reader skips them.
  std::optional<BufReader> sub(std::size_t n);
  bool skip(std::size_t n);

 private:
  // True when `n` more bytes can be read; otherwise the reader fails.
  bool take(std::size_t n);

  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

class BufWriter {
 public:
  BufWriter() = default;
  explicit BufWriter(std::size_t reserve) { out_.reserve(reserve); }

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void bytes(std::span<const std::uint8_t> v) { out_.insert(out_.end(), v.begin(), v.end()); }
  void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }
  // Overwrites a 16-bit field written earlier, e.g. a length known only at the end.
  void put_u16_at(std::size_t offset, std::uint16_t v);

  std::size_t size() const { return out_.size(); }
  const std::vector<std::uint8_t>& data() const { return out_; }
  std::vector<std::uint8_t>& data() { return out_; }
  std::vector<std::uint8_t> take() { return std::move(out_); }

 private:
  std::vector<std::uint8_t> out_;
};

}  // namespace anycastd
