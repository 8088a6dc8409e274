// SPDX-License-Identifier: Apache-2.0
#include "bfd/fsm.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "util/overloaded.hpp"

namespace anycastd::bfd {

namespace {

Micros micros(Duration d) {
  return std::chrono::duration_cast<Micros>(d);
}

// §6.7.3/§6.7.4: `seq` lies in [from, from + span] (or (from, from + span]
// when `strict`), in sequence-number space (mod 2^32).
bool in_window(std::uint32_t seq, std::uint32_t from, std::uint32_t span, bool strict) {
  const std::uint32_t ahead = seq - from;
  return ahead <= span && !(strict && ahead == 0);
}

}  // namespace

Fsm::Fsm(config::BfdConfig config, FsmOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      rng_(options_.seed),
      // §6.8.1: bfd.XmitAuthSeq "MUST be initialized to a random 32 bit value".
      xmit_auth_seq_(static_cast<std::uint32_t>(rng_())) {
  desired_min_tx_ = std::max(kSlowTx, micros(config_.min_tx));
  required_min_rx_ = micros(config_.min_rx);
  timing_tx_ = desired_min_tx_;
  detect_rx_ = required_min_rx_;
}

std::vector<Action> Fsm::handle(const Event& event, TimePoint now) {
  Out out(now);
  std::visit(Overloaded{
                 [&](const Start&) { on_start(out); },
                 [&](const Stop& e) { on_stop(e, out); },
                 [&](const TimerExpired& e) { on_timer(e.timer, out); },
                 [&](const PacketReceived& e) { on_packet(e, out); },
                 [&](const Reconfigure& e) { on_reconfigure(e, out); },
             },
             event);
  return out.take();
}

void Fsm::on_start(Out& out) {
  if (running_) return;
  running_ = true;
  // §6.8.7: an Active system sends Control packets whether or not it has heard the peer.
  send(false, out);
  arm_transmit(out);
}

void Fsm::on_stop(const Stop&, Out& out) {
  if (!running_) {
    out.push(Stopped{});
    return;
  }
  out.cancel(TimerId::transmit);
  out.cancel(TimerId::detection);
  // §6.8.16 and RFC 5882 §3.2: AdminDown tells the peer that the stop is no failure.
  change_state(State::admin_down, Diag::administratively_down, out);
  send(false, out);
  stop_sends_left_ = kAdminDownSends - 1;
  out.arm(TimerId::stop_repeat, out.now + kAdminDownRepeat);
}

void Fsm::on_timer(TimerId timer, Out& out) {
  switch (timer) {
    case TimerId::transmit:
      if (!running_ || state_ == State::admin_down) return;
      send(false, out);
      arm_transmit(out);
      return;
    case TimerId::detection:
      // §6.8.1: bfd.RemoteDiscr "MUST be reset to zero if Detection Time passes".
      remote_discr_ = 0;
      // §6.8.4: "If ... a period of time equal to the Detection Time passes
      // without receiving a BFD Control packet ... and bfd.SessionState is Init
      // or Up, the session has gone down -- the local system MUST set
      // bfd.SessionState to Down and bfd.LocalDiag to 1".
      if (state_ == State::init || state_ == State::up) {
        change_state(State::down, Diag::control_detection_time_expired, out);
      }
      return;
    case TimerId::stop_repeat:
      if (stop_sends_left_ > 0) {
        send(false, out);
        --stop_sends_left_;
      }
      if (stop_sends_left_ > 0) {
        out.arm(TimerId::stop_repeat, out.now + kAdminDownRepeat);
      } else if (running_) {
        running_ = false;
        out.push(Stopped{});
      }
      return;
  }
}

void Fsm::on_packet(const PacketReceived& packet, Out& out) {
  ++packets_.received;
  // RFC 5881 §5: "... the TTL ... MUST be 255 ... If ... not, the packet MUST be discarded."
  if (packet.ttl != kTtl) {
    drop("bad_ttl", fmt::format("TTL {}", packet.ttl), out);
    return;
  }
  auto decoded = decode(packet.bytes);
  if (const auto* failure = std::get_if<DecodeFailure>(&decoded)) {
    drop(to_string(failure->error), failure->message, out);
    return;
  }
  const auto& control = std::get<ControlPacket>(decoded);
  // §6.8.6: "If the Your Discriminator field is nonzero, it MUST be used to
  // select the session ... If no session is found, the packet MUST be discarded."
  if (control.your_discriminator != 0 &&
      control.your_discriminator != options_.local_discriminator) {
    drop("unknown_discriminator",
         fmt::format("Your Discriminator {:#x}, ours is {:#x}", control.your_discriminator,
                     options_.local_discriminator),
         out);
    return;
  }
  if (const auto reason = check_auth(control, packet.bytes, out.now)) {
    drop(*reason,
         fmt::format(
             "Key ID {}",
             control.auth ? std::visit([](const auto& a) { return a.key_id; }, *control.auth) : 0),
         out);
    return;
  }
  ++packets_.accepted;
  last_received_ = out.now;
  on_control(control, out);
}

std::optional<std::string_view> Fsm::check_auth(const ControlPacket& packet,
                                                std::span<const std::uint8_t> bytes,
                                                TimePoint now) {
  const auto& auth = config_.authentication;
  // §6.8.6: "If the Authentication Present (A) bit is set and bfd.AuthType
  // is zero, the packet MUST be discarded"; "If the A bit is clear and
  // bfd.AuthType is not zero, the packet MUST be discarded."
  if (auth.mode == config::BfdAuthMode::none) {
    if (packet.auth) return "auth_unexpected";
    return std::nullopt;
  }
  if (!packet.auth) return "auth_missing";
  if (auth.mode == config::BfdAuthMode::password) {
    const auto* password = std::get_if<PasswordAuth>(&*packet.auth);
    if (!password) return "auth_wrong_type";
    // §6.7.2: Key ID and Password must match.
    if (password->key_id != auth.key_id) return "auth_wrong_key_id";
    if (password->password != auth.key) return "auth_wrong_password";
    return std::nullopt;
  }
  const bool meticulous = auth.mode == config::BfdAuthMode::meticulous_sha1;
  const auto* digest = std::get_if<DigestAuth>(&*packet.auth);
  if (!digest ||
      digest->type != (meticulous ? AuthType::meticulous_keyed_sha1 : AuthType::keyed_sha1)) {
    return "auth_wrong_type";
  }
  if (digest->key_id != auth.key_id) return "auth_wrong_key_id";
  if (!sha1_digest_valid(bytes, auth.key)) return "auth_bad_digest";
  // §6.8.1: bfd.AuthSeqKnown "MUST be set to 0 after no packets have been
  // received on this session for at least twice the Detection Time".
  if (last_received_ && now - *last_received_ > 2 * detection_time()) auth_seq_known_ = false;
  // §6.7.4: within bfd.RcvAuthSeq .. +3*Detect Mult, excluding RcvAuthSeq itself if meticulous.
  if (auth_seq_known_ &&
      !in_window(digest->sequence, rcv_auth_seq_, 3u * packet.detect_mult, meticulous)) {
    return "auth_sequence";
  }
  rcv_auth_seq_ = digest->sequence;
  auth_seq_known_ = true;
  return std::nullopt;
}

void Fsm::on_control(const ControlPacket& packet, Out& out) {
  const Micros tx_before = tx_interval();
  remote_discr_ = packet.my_discriminator;
  remote_state_ = packet.state;
  remote_diag_ = packet.diag;
  remote_detect_mult_ = packet.detect_mult;
  remote_desired_tx_ = Micros(packet.desired_min_tx_us);
  const bool was_silent = remote_min_rx_.count() == 0;
  remote_min_rx_ = Micros(packet.required_min_rx_us);
  // §6.8.6: "If the Final (F) bit is set and the local system has sent a
  // Poll, the local system MUST terminate the Poll Sequence".
  if (packet.final && polling_) {
    polling_ = false;
    timing_tx_ = desired_min_tx_;
    detect_rx_ = required_min_rx_;
  }
  // "If bfd.SessionState is AdminDown: Discard the packet"
  if (state_ == State::admin_down) return;
  if (packet.state == State::admin_down) {
    // "If received state is AdminDown: If bfd.SessionState is not Down: Set
    // bfd.LocalDiag to 3 (Neighbor signaled session down); Set bfd.SessionState to Down"
    if (state_ != State::down) {
      change_state(State::down, Diag::neighbor_signaled_session_down, out, true);
    }
  } else {
    switch (state_) {
      case State::down:
        if (packet.state == State::down)
          change_state(State::init, Diag::none, out);
        else if (packet.state == State::init)
          change_state(State::up, Diag::none, out);
        break;
      case State::init:
        if (packet.state == State::init || packet.state == State::up) {
          change_state(State::up, Diag::none, out);
        }
        break;
      case State::up:
        if (packet.state == State::down) {
          change_state(State::down, Diag::neighbor_signaled_session_down, out);
        }
        break;
      case State::admin_down:
        break;
    }
  }
  arm_detection(out);
  // "If the Poll (P) bit is set, send a BFD Control packet to the remote
  // system with the Poll (P) bit clear, and the Final (F) bit set".
  if (packet.poll) send(true, out);
  // §6.8.7: a shorter interval may take effect at once; a peer that asked
  // for no packets (Required Min RX 0) and now asks for some gets them.
  if (remote_min_rx_.count() != 0 && (was_silent || tx_interval() < tx_before)) {
    arm_transmit(out);
  }
}

void Fsm::on_reconfigure(const Reconfigure& next, Out& out) {
  if (next.config.authentication != config_.authentication) auth_seq_known_ = false;
  config_ = next.config;
  if (running_ && state_ != State::admin_down) set_intervals(out);
}

void Fsm::change_state(State to, Diag diag, Out& out, bool peer_admin_down) {
  const State from = state_;
  if (from == to) return;
  state_ = to;
  local_diag_ = diag;
  ++transitions_to_[static_cast<std::size_t>(to)];
  if (to == State::up) {
    up_since_ = out.now;
    ever_up_ = true;
  } else if (from == State::up) {
    up_since_.reset();
    if (to == State::down) ++up_to_down_;
  }
  out.push(StateChanged{from, to, diag, peer_admin_down});
  out.log(to == State::up || from != State::up ? config::LogLevel::info : config::LogLevel::warn,
          fmt::format("{}: {} -> {} (diag {})", options_.where, to_string(from), to_string(to),
                      to_string(diag)));
  if (to != State::admin_down) set_intervals(out);
}

void Fsm::set_intervals(Out& out) {
  // §6.8.3: "When bfd.SessionState is not Up, the system MUST set
  // bfd.DesiredMinTxInterval to a value of not less than one second".
  const Micros tx =
      state_ == State::up ? micros(config_.min_tx) : std::max(kSlowTx, micros(config_.min_tx));
  const Micros rx = micros(config_.min_rx);
  if (tx == desired_min_tx_ && rx == required_min_rx_) return;
  const Micros tx_before = tx_interval();
  desired_min_tx_ = tx;
  required_min_rx_ = rx;
  if (state_ == State::up) {
    // §6.8.3: a change while Up starts a Poll Sequence. "If
    // bfd.DesiredMinTxInterval is increased ... the actual transmission
    // interval used MUST NOT change until the Poll Sequence ... has
    // completed"; "If bfd.RequiredMinRxInterval is reduced ... the previous
    // value ... MUST be used when calculating the Detection Time".
    polling_ = true;
    timing_tx_ = std::min(timing_tx_, tx);
    detect_rx_ = std::max(detect_rx_, rx);
  } else {
    polling_ = false;
    timing_tx_ = tx;
    detect_rx_ = rx;
  }
  if (tx_interval() < tx_before && remote_min_rx_.count() != 0) arm_transmit(out);
}

void Fsm::send(bool final, Out& out) {
  ControlPacket packet;
  packet.diag = local_diag_;
  packet.state = state_;
  // §6.5: "A system MUST NOT set the Poll (P) and Final (F) bits at the same time".
  packet.poll = polling_ && !final;
  packet.final = final;
  packet.detect_mult = config_.multiplier;
  packet.my_discriminator = options_.local_discriminator;
  packet.your_discriminator = remote_discr_;
  packet.desired_min_tx_us = static_cast<std::uint32_t>(desired_min_tx_.count());
  packet.required_min_rx_us = static_cast<std::uint32_t>(required_min_rx_.count());
  const auto& auth = config_.authentication;
  switch (auth.mode) {
    case config::BfdAuthMode::none:
      break;
    case config::BfdAuthMode::password:
      packet.auth = PasswordAuth{auth.key_id, auth.key};
      break;
    case config::BfdAuthMode::sha1:
    case config::BfdAuthMode::meticulous_sha1:
      // §6.7.4: meticulous "MUST" increment for every packet; keyed "MAY"
      // increment occasionally. We increment for every packet in both.
      packet.auth =
          DigestAuth{auth.mode == config::BfdAuthMode::sha1 ? AuthType::keyed_sha1
                                                            : AuthType::meticulous_keyed_sha1,
                     auth.key_id, ++xmit_auth_seq_, std::vector<std::uint8_t>(kSha1KeySize)};
      break;
  }
  ++sent_;
  out.push(Send{encode(packet, auth.key)});
}

void Fsm::arm_transmit(Out& out) {
  // §6.8.7: "MUST NOT periodically transmit BFD Control packets if
  // bfd.RemoteMinRxInterval is zero".
  if (remote_min_rx_.count() == 0) {
    out.cancel(TimerId::transmit);
    return;
  }
  // "The periodic transmission of BFD Control packets MUST be jittered on a
  // per-packet basis by up to 25%"; with bfd.DetectMult 1, "no more than 90%
  // ... and no less than 75%" of the interval.
  const auto interval = tx_interval().count();
  const auto high = config_.multiplier == 1 ? interval * 90 / 100 : interval;
  std::uniform_int_distribution<std::int64_t> jitter(interval * 75 / 100, high);
  out.arm(TimerId::transmit, out.now + Micros(jitter(rng_)));
}

void Fsm::arm_detection(Out& out) {
  out.arm(TimerId::detection, out.now + detection_time());
}

void Fsm::drop(std::string_view reason, std::string_view detail, Out& out) {
  packets_.add_dropped(reason);
  out.push(core::drop_log(options_.where, reason, detail));
}

Micros Fsm::tx_interval() const {
  // §6.8.7: "the larger of bfd.DesiredMinTxInterval and bfd.RemoteMinRxInterval".
  return std::max(timing_tx_, remote_min_rx_);
}

Micros Fsm::rx_interval() const {
  // §6.8.4: "the greater of bfd.RequiredMinRxInterval and the last received
  // Desired Min TX Interval".
  return std::max(detect_rx_, remote_desired_tx_);
}

Micros Fsm::detection_time() const {
  // §6.8.4: "the value of Detect Mult received from the remote system,
  // multiplied by the agreed transmit interval of the remote system".
  return remote_detect_mult_ * rx_interval();
}

FsmStatus Fsm::status() const {
  FsmStatus s;
  s.state = state_;
  s.remote_state = remote_state_;
  s.local_diag = local_diag_;
  s.remote_diag = remote_diag_;
  s.local_discriminator = options_.local_discriminator;
  s.remote_discriminator = remote_discr_;
  s.tx_interval = tx_interval();
  s.rx_interval = rx_interval();
  s.detection_time = detection_time();
  s.up_since = up_since_;
  s.up_to_down = up_to_down_;
  s.transitions_to = transitions_to_;
  s.sent = sent_;
  s.ever_up = ever_up_;
  return s;
}

std::string_view to_string(TimerId timer) {
  switch (timer) {
    case TimerId::transmit:
      return "transmit";
    case TimerId::detection:
      return "detection";
    case TimerId::stop_repeat:
      return "stop_repeat";
  }
  return "?";
}

}  // namespace anycastd::bfd
