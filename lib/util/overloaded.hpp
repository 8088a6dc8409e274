// SPDX-License-Identifier: Apache-2.0
// A visitor from lambdas, for std::visit over an event or action variant.
#pragma once

namespace anycastd {

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace anycastd
