// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the config file (toml++ and every validation pass on
// top of it). Any text must give either a config or at least one error, each
// error must name the file, and a position only when it points into the text.
// Seeds are in tests/fuzz/corpus/config/.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto result = anycastd::config::parse(text, "fuzz.toml");
  if (result.config.has_value() == !result.errors.empty()) std::abort();
  const auto lines = static_cast<std::uint32_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& error : result.errors) {
    if (error.file != "fuzz.toml" || error.message.empty()) std::abort();
    if (error.line > lines) std::abort();
    if (error.to_string().rfind("fuzz.toml:", 0) != 0) std::abort();
  }
  return 0;
}
