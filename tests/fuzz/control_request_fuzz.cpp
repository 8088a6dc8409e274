// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the control protocol's request parser. Whatever
// parses must survive a round trip through to_json(), and every answer the
// server would send must be one line of valid JSON. Seeds are in
// tests/fuzz/corpus/control/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "control/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace anycastd::control;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const auto result = parse_request(line);
  Reply reply;
  if (const auto* request = std::get_if<Request>(&result)) {
    const auto again = parse_request(to_json(*request).dump());
    const auto* same = std::get_if<Request>(&again);
    if (same == nullptr || !(*same == *request)) std::abort();
    reply = Reply::success({{"service", request->service.value_or("")}});
  } else {
    reply = Reply::failure(std::get<std::string>(result));
  }
  const auto encoded = encode_reply(reply);
  if (encoded.find('\n') != encoded.size() - 1) std::abort();
  if (nlohmann::json::parse(encoded, nullptr, false).is_discarded()) std::abort();
  return 0;
}
