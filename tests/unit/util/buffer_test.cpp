// SPDX-License-Identifier: Apache-2.0
#include "util/buffer.hpp"

#include <gtest/gtest.h>

#include <array>

namespace anycastd {
namespace {

TEST(Buffer, WriterAndReaderRoundTrip) {
  BufWriter w;
  w.u8(0x01);
  w.u16(0x0203);
  w.u32(0x04050607);
  w.u64(0x08090A0B0C0D0E0Full);
  w.zeros(2);
  const std::vector<std::uint8_t> expected = {1,  2,  3,  4,  5,  6,  7, 8, 9,
                                              10, 11, 12, 13, 14, 15, 0, 0};
  EXPECT_EQ(w.data(), expected);

  BufReader r(w.data());
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16(), 0x0203);
  EXPECT_EQ(r.u32(), 0x04050607u);
  EXPECT_EQ(r.u64(), 0x08090A0B0C0D0E0Full);
  EXPECT_EQ(r.remaining(), 2u);
}

TEST(Buffer, AReadPastTheEndFailsWithoutMovingAndTheFailureSticks) {
  const std::array<std::uint8_t, 3> data = {1, 2, 3};
  BufReader r(data);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.u16(), 0x0102);
  EXPECT_EQ(r.u16(), std::nullopt);
  EXPECT_EQ(r.position(), 2u);
  EXPECT_FALSE(r.ok());
  // Everything after the first failure fails, even reads that would fit.
  EXPECT_EQ(r.u8(), std::nullopt);
  EXPECT_FALSE(r.bytes(0));
  EXPECT_FALSE(r.sub(1));
  EXPECT_FALSE(r.skip(0));
  EXPECT_FALSE(r.ok());
}

TEST(Buffer, EveryReadFailsOnAnEmptySpan) {
  for (int kind = 0; kind < 6; ++kind) {
    BufReader r(std::span<const std::uint8_t>{});
    const bool read = kind == 0   ? r.u8().has_value()
                      : kind == 1 ? r.u16().has_value()
                      : kind == 2 ? r.u32().has_value()
                      : kind == 3 ? r.u64().has_value()
                      : kind == 4 ? r.bytes(1).has_value()
                                  : r.sub(1).has_value();
    EXPECT_FALSE(read) << kind;
    EXPECT_FALSE(r.ok()) << kind;
  }
}

TEST(Buffer, SubReaderIsBounded) {
  const std::array<std::uint8_t, 5> data = {1, 2, 3, 4, 5};
  BufReader r(data);
  auto sub = r.sub(2);
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->u16(), 0x0102);
  EXPECT_EQ(sub->u8(), std::nullopt);
  EXPECT_FALSE(sub->ok());
  // The outer reader does not share the sub-reader's failure.
  EXPECT_EQ(r.u8(), 3);
  EXPECT_TRUE(r.ok());
}

TEST(Buffer, PatchLengthField) {
  BufWriter w;
  w.u16(0);
  w.u32(7);
  w.put_u16_at(0, static_cast<std::uint16_t>(w.size()));
  EXPECT_EQ(w.data()[1], 6);
}

}  // namespace
}  // namespace anycastd
