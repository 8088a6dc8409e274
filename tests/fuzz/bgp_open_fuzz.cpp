// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for OPEN: the decoder on arbitrary bodies (a decoded OPEN
// encodes back to the same bytes), then the FSM in OpenSent receiving it, so
// the peer checks and capability negotiation run too. Seeds:
// tests/fuzz/corpus/bgp_open/.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "bgp/fsm.hpp"
#include "bgp/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace anycastd;
  using namespace anycastd::bgp;
  if (size > kMaxMessageSize - kHeaderSize) return 0;
  const std::span<const std::uint8_t> body(data, size);
  const auto decoded = decode_open(body);
  if (const auto* open = std::get_if<Open>(&decoded)) {
    const auto bytes = encode(*open);
    if (!std::equal(bytes.begin() + kHeaderSize, bytes.end(), body.begin(), body.end())) {
      __builtin_trap();
    }
  }
  FsmConfig config;
  config.neighbor.address = IpAddress::v4(0xc6120101);
  config.neighbor.remote_asn = 65001;
  config.local_asn = 65101;
  config.bgp_identifier = 0xc6120102;
  Fsm fsm(config);
  const auto now = Clock::now();
  fsm.handle(Start{}, now);
  fsm.handle(TcpConnected{1, true, IpAddress::v4(0xc6120102)}, now);
  std::vector<std::uint8_t> message(kHeaderSize, 0xff);
  message[16] = static_cast<std::uint8_t>((kHeaderSize + size) >> 8);
  message[17] = static_cast<std::uint8_t>(kHeaderSize + size);
  message[18] = static_cast<std::uint8_t>(MessageType::open);
  message.insert(message.end(), data, data + size);
  fsm.handle(MessageReceived{1, message}, now);
  fsm.handle(MessageReceived{1, encode_keepalive()}, now);
  return 0;
}
