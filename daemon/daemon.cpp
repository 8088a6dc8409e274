// SPDX-License-Identifier: Apache-2.0
#include "daemon.hpp"

#include <csignal>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "control/state_file.hpp"
#include "protocols.hpp"
#include "session/log.hpp"
#include "systemd.hpp"

namespace anycastd {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Spreads first rounds over one interval so many services do not probe in
// lockstep, in 50 ms slots: the services of one slot share a timer wake-up,
// and their queries reach the service as one burst whose answers come back
// together. At 1,000 services and 1 s that is 20 timer wake-ups a second
// (10 ms slots: 100), and about half the CPU of both the daemon and the
// service it probes (bench/README.md, figure 2); a round starts at most a
// slot's work (~1 ms) late.
Clock::duration first_round_delay(const config::ServiceConfig& service, std::size_t index,
                                  std::size_t count) {
  constexpr auto kSlot = std::chrono::milliseconds(50);
  const auto even = service.interval * index / std::max<std::size_t>(count, 1);
  return std::chrono::duration_cast<std::chrono::milliseconds>(even) / kSlot * kSlot;
}

std::string known_services(const config::Config& config) {
  std::string names;
  for (const auto& s : config.services)
    names += (names.empty() ? "" : ", ") + s.name;
  return names.empty() ? "none configured" : names;
}

}  // namespace

void apply_log_level(config::LogLevel level) {
  spdlog::set_level(session::to_spdlog(level));
}

Daemon::Daemon(config::Config config)
    : config_(std::move(config)),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      watchdog_timer_(io_),
      shutdown_timer_(io_),
      started_(Clock::now()) {}

Daemon::~Daemon() = default;

int Daemon::run() {
  try {
    start();
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
  io_.run();
  spdlog::info("stopped");
  return 0;
}

// Spec §4 start-up order: config validated (by the caller) -> loopback
// addresses present -> sockets open -> READY=1 -> probes start.
void Daemon::start() {
  std::signal(SIGPIPE, SIG_IGN);
  apply_log_level(config_.daemon.log_level);
  spdlog::info("anycastd {} starting with {}", ANYCASTD_VERSION, config_.path);

  router_id_ = config_.daemon.router_id;
  if (!router_id_) router_id_ = kernel::highest_ipv4_address(all_prefixes(config_));
  spdlog::info("router-id {}", router_id_ ? router_id_->to_string() : "unset (no IPv4 address)");

  addresses_ = std::make_unique<kernel::AddressManager>(io_, config_.loopback.interface);
  const auto failures = addresses_->ensure(all_prefixes(config_));
  if (!failures.empty()) {
    std::string all;
    for (const auto& f : failures)
      all += (all.empty() ? "" : "; ") + f;
    throw std::runtime_error(
        fmt::format("cannot add anycast addresses to {}: {}", config_.loopback.interface, all));
  }
  addresses_->start_monitor();

  load_admin_state();
  control_ =
      std::make_unique<control::ControlServer>(io_, config_.daemon.control_socket, handlers());
  metrics_ = make_metrics_server(config_);
  start_protocols();
  wait_signals();

  systemd::notify_ready(fmt::format("starting {} services", config_.services.size()));
  start_services();
  arm_watchdog();
  update_status();
}

void Daemon::load_admin_state() {
  control::StateFile file(config_.daemon.state_file);
  const auto withdrawn = file.load();
  admin_withdrawn_.clear();
  for (const auto& name : withdrawn) {
    if (config_.find_service(name)) {
      admin_withdrawn_.insert(name);
      spdlog::info("service {}: withdrawn by an operator (from {})", name,
                   config_.daemon.state_file);
    }
  }
}

std::unique_ptr<metrics::MetricsServer> Daemon::make_metrics_server(const config::Config& config) {
  if (!config.metrics) return nullptr;
  const auto& m = *config.metrics;
  const boost::asio::ip::tcp::endpoint listen(boost::asio::ip::make_address(m.address.to_string()),
                                              m.port);
  auto server = std::make_unique<metrics::MetricsServer>(io_, listen, m.path,
                                                         [this] { return render_metrics(); });
  const auto host = m.address.is_v4() ? m.address.to_string() : "[" + m.address.to_string() + "]";
  spdlog::info("metrics: serving http://{}:{}{}", host, m.port, m.path);
  return server;
}

std::string Daemon::render_metrics() const {
  const auto families = collect_metrics(MetricsView{config_, services_, bus_, protocols_, counters_,
                                                    bfd_ ? bfd_->status() : nlohmann::json()});
  return metrics::encode(families);
}

std::unique_ptr<monitor::ServiceMonitor> Daemon::make_monitor(
    const config::ServiceConfig& service) {
  auto m = std::make_unique<monitor::ServiceMonitor>(
      io_, service, bus_, [this](const auto& s, const auto& t) { on_transition(s, t); });
  if (admin_withdrawn_.count(service.name)) m->set_admin_withdrawn(true);
  return m;
}

void Daemon::start_services() {
  for (const auto& service : config_.services)
    services_[service.name] = make_monitor(service);
  // The slots count from when every monitor exists: building 1,000 of them
  // takes tens of milliseconds, which must not make the first slots late.
  const auto base = Clock::now();
  std::size_t i = 0;
  for (const auto& service : config_.services)
    services_[service.name]->start(base + first_round_delay(service, i++, config_.services.size()));
}

ProtocolContext Daemon::protocol_context() {
  return ProtocolContext{io_, bus_, router_id_, bfd_.get()};
}

void Daemon::start_protocols() {
  // BFD first: the protocols ask it for sessions as they meet their peers.
  if (config_.bfd) {
    bfd_ = std::make_unique<bfd::BfdSessions>(io_, *config_.bfd);
    bfd_->start();
  }
  const ProtocolContext context = protocol_context();
  for (const auto name : protocols()) {
    if (auto protocol = make_protocol(name, config_, context)) {
      protocol->start();
      protocols_.push_back(std::move(protocol));
    }
  }
  if (protocols_.empty()) {
    spdlog::warn("no routing protocol configured: probing and loopback addresses only");
  }
}

void Daemon::start_protocol(std::string_view name) {
  try {
    if (auto protocol = make_protocol(name, config_, protocol_context())) {
      protocol->start();
      protocols_.push_back(std::move(protocol));
    }
  } catch (const std::exception& e) {
    spdlog::error("{}: cannot start: {}", name, e.what());
  }
}

void Daemon::on_transition(const monitor::ServiceMonitor& service,
                           const core::HealthTransition& t) {
  ++counters_.transitions[{service.name(), std::string(core::to_string(t.to))}];
  std::string prefixes;
  for (const auto& p : service.config().prefixes) {
    prefixes += (prefixes.empty() ? "" : " ") + p.to_string();
  }
  const auto action = service.desired_action();
  const auto level = t.to == core::Health::up ? spdlog::level::info : spdlog::level::warn;
  spdlog::log(level, "service {}: {} -> {} ({}); {} {}", service.name(), core::to_string(t.from),
              core::to_string(t.to), t.reason, core::to_string(action), prefixes);
  update_status();
}

void Daemon::update_status() {
  systemd::notify_status(status_line());
}

std::string Daemon::status_line() const {
  std::size_t up = 0;
  std::size_t degraded = 0;
  std::size_t down = 0;
  std::size_t other = 0;
  for (const auto& [name, s] : services_) {
    switch (s->health()) {
      case core::Health::up:
        ++up;
        break;
      case core::Health::degraded:
        ++degraded;
        break;
      case core::Health::down:
      case core::Health::held_down:
        ++down;
        break;
      case core::Health::init:
        ++other;
        break;
    }
  }
  return fmt::format(
      "{} services: {} up, {} degraded, {} down, {} starting; announcing {} prefixes",
      services_.size(), up, degraded, down, other, bus_.routes().size());
}

void Daemon::wait_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      spdlog::info("SIGHUP: reloading {}", config_.path);
      reload();
      wait_signals();
      return;
    }
    spdlog::info("{}: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    shutdown();
  });
}

// Spec §2: a config that fails validation on reload is rejected and the
// running one kept; sessions whose settings did not change are not touched.
control::Reply Daemon::reload() {
  if (stopping_) return control::Reply::failure("anycastd is stopping");
  systemd::notify_reloading();
  auto loaded = config::load(config_.path);
  for (const auto& w : loaded.warnings)
    spdlog::warn("{}", w.to_string());
  if (!loaded.config) {
    for (const auto& e : loaded.errors)
      spdlog::error("{}", e.to_string());
    spdlog::error("reload rejected: {} has {} error(s); keeping the running config", config_.path,
                  loaded.errors.size());
    return reject(
        fmt::format("reload rejected, keeping the running config: {} (run anycastd -c {} "
                    "--check)",
                    loaded.errors.front().to_string(), config_.path));
  }
  config::Config next = std::move(*loaded.config);
  // The metrics endpoint binds first: a reload that cannot listen where it
  // is told changes nothing.
  std::unique_ptr<metrics::MetricsServer> metrics;
  const bool metrics_moved =
      next.metrics && (!config_.metrics || next.metrics->address != config_.metrics->address ||
                       next.metrics->port != config_.metrics->port);
  if (metrics_moved) {
    try {
      metrics = make_metrics_server(next);
    } catch (const std::exception& e) {
      spdlog::error("reload rejected: {}; keeping the running config", e.what());
      return reject(fmt::format("reload rejected, keeping the running config: {}", e.what()));
    }
  }
  apply_log_level(next.daemon.log_level);
  const auto plan = plan_reload(config_, next);

  // Loopback addresses first, so a new service's address exists before it
  // can be announced.
  if (plan.loopback_changed) {
    try {
      auto addresses = std::make_unique<kernel::AddressManager>(io_, next.loopback.interface);
      addresses->start_monitor();
      addresses_ = std::move(addresses);
    } catch (const std::exception& e) {
      spdlog::error("reload rejected: {}; keeping the running config", e.what());
      return reject(fmt::format("reload rejected, keeping the running config: {}", e.what()));
    }
  }
  for (const auto& f : addresses_->ensure(all_prefixes(next)))
    spdlog::error("loopback: {}", f);

  reload_services(next, plan);
  if (!plan.addresses_removed.empty()) addresses_->remove(plan.addresses_removed);
  // Admin withdrawals of services that no longer exist are forgotten.
  std::erase_if(admin_withdrawn_, [&](const auto& name) { return !next.find_service(name); });

  if (next.daemon.router_id != config_.daemon.router_id) {
    router_id_ = next.daemon.router_id;
    if (!router_id_) router_id_ = kernel::highest_ipv4_address(all_prefixes(next));
    spdlog::info("router-id {}", router_id_ ? router_id_->to_string() : "unset");
  }
  config_ = std::move(next);
  if (const auto error = control::StateFile(config_.daemon.state_file).save(admin_withdrawn_)) {
    spdlog::error("{}", *error);
  }
  reload_protocols(plan);
  if (metrics_moved) {
    metrics_ = std::move(metrics);
  } else if (!config_.metrics) {
    metrics_.reset();
  } else if (metrics_) {
    metrics_->set_path(config_.metrics->path);
  }

  if (plan.control_socket_changed) {
    // The reply to this very request travels over the old socket, so the
    // swap happens after the handler returns.
    boost::asio::post(io_, [this] {
      try {
        control_ = std::make_unique<control::ControlServer>(io_, config_.daemon.control_socket,
                                                            handlers());
      } catch (const std::exception& e) {
        spdlog::error("control socket: {}", e.what());
      }
    });
  }
  spdlog::info("reloaded {}: {} services", config_.path, services_.size());
  counters_.last_reload_ok = true;
  counters_.last_reload_success = std::chrono::system_clock::now();
  systemd::notify_ready(status_line());
  return control::Reply::success({{"services", services_.size()}});
}

// A rejected reload: the running config stays, systemd leaves "reloading".
control::Reply Daemon::reject(std::string message) {
  counters_.last_reload_ok = false;
  systemd::notify_ready("reload rejected; running the previous config");
  return control::Reply::failure(std::move(message));
}

// Unchanged services keep running untouched; a changed one restarts its
// checks and keeps its announcement until they decide.
void Daemon::reload_services(const config::Config& next, const ReloadPlan& plan) {
  for (const auto& name : plan.services_changed) {
    spdlog::info("service {}: settings changed, restarting its checks", name);
    services_.at(name)->stop();
  }
  for (const auto& p : plan.prefixes_dropped) {
    const auto it = bus_.routes().find(p);
    if (it == bus_.routes().end()) continue;
    const std::string owner = it->second.service;
    bus_.set(owner, {p}, core::RouteAction::withdraw, core::Cause::config);
  }
  for (const auto& name : plan.services_removed) {
    spdlog::info("service {}: removed from the config, withdrawing", name);
    auto& removed = services_.at(name);
    removed->stop();
    removed->withdraw_all(core::Cause::config);
    services_.erase(name);
    std::erase_if(counters_.transitions, [&](const auto& c) { return c.first.first == name; });
  }
  std::vector<std::pair<monitor::ServiceMonitor*, std::size_t>> to_start;  // with its slot index
  for (std::size_t i = 0; i < next.services.size(); ++i) {
    const auto& service = next.services[i];
    auto& slot = services_[service.name];
    if (slot && slot->config() == service) continue;
    if (!slot) spdlog::info("service {}: added", service.name);
    slot = make_monitor(service);
    to_start.emplace_back(slot.get(), i);
  }
  const auto base = Clock::now();
  for (const auto& [m, index] : to_start)
    m->start(base + first_round_delay(m->config(), index, next.services.size()));
}

// Protocols whose section came or went start or stop; a changed section is
// applied in place; a protocol that cannot take it, or whose router ID
// changed, is replaced.
void Daemon::reload_protocols(const ReloadPlan& plan) {
  reload_bfd();
  for (const auto name : plan.protocols_stopped) {
    spdlog::info("{}: removed from the config, stopping", name);
    retire(name);
  }
  for (const auto name : plan.protocols_reconfigured) {
    for (auto& protocol : protocols_) {
      if (protocol->name() != name || protocol->reconfigure(config_)) continue;
      spdlog::info("{}: settings changed that need a new start", name);
      retire(name);
      start_protocol(name);
      break;
    }
  }
  for (const auto name : plan.protocols_restarted) {
    spdlog::info("{}: router ID changed, restarting", name);
    retire(name);
    start_protocol(name);
  }
  for (const auto name : plan.protocols_started)
    start_protocol(name);
}

void Daemon::reload_bfd() {
  if (!config_.bfd) {
    // The protocols no longer ask for sessions (bfd = true needs [bfd]); the
    // sessions go with their Watches, the socket with the next start.
    return;
  }
  try {
    if (!bfd_) {
      auto sessions = std::make_unique<bfd::BfdSessions>(io_, *config_.bfd);
      sessions->start();
      bfd_ = std::move(sessions);
    } else {
      bfd_->reconfigure(config_);
    }
  } catch (const std::exception& e) {
    spdlog::error("bfd: cannot start: {}", e.what());
  }
}

void Daemon::retire(std::string_view name) {
  const auto it = std::find_if(protocols_.begin(), protocols_.end(),
                               [&](const auto& p) { return p->name() == name; });
  if (it == protocols_.end()) return;
  core::Protocol* raw = it->get();
  retiring_.push_back(std::move(*it));
  protocols_.erase(it);
  raw->stop(core::StopBudget{Clock::now()}, [this, raw] {
    boost::asio::post(io_, [this, raw] {
      std::erase_if(retiring_, [raw](const auto& p) { return p.get() == raw; });
    });
  });
}

// Spec §2: withdraw every prefix on every protocol, then exit 0 within 2 s.
void Daemon::shutdown() {
  if (stopping_) return;
  stopping_ = true;
  systemd::notify_stopping();
  watchdog_timer_.cancel();
  signals_.cancel();
  for (auto& [name, s] : services_)
    s->stop();
  const core::StopBudget budget{Clock::now()};
  shutdown_timer_.expires_at(budget.exit());
  shutdown_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    spdlog::warn("protocols did not finish withdrawing in time; exiting anyway");
    finish_shutdown();
  });
  protocols_pending_ = protocols_.size() + retiring_.size();
  if (protocols_pending_ == 0) {
    boost::asio::post(io_, [this, budget] { stop_bfd(budget); });
    return;
  }
  auto on_done = [this, budget] {
    if (protocols_pending_ > 0 && --protocols_pending_ == 0) stop_bfd(budget);
  };
  for (auto& protocol : protocols_)
    protocol->stop(budget, on_done);
  for (auto& protocol : retiring_)
    protocol->stop(budget, on_done);
}

void Daemon::stop_bfd(const core::StopBudget& budget) {
  if (!bfd_) {
    finish_shutdown();
    return;
  }
  bfd_->stop(budget, [this] { finish_shutdown(); });
}

void Daemon::finish_shutdown() {
  shutdown_timer_.cancel();
  // Loopback addresses stay (spec §3 [loopback]): the service keeps its sockets.
  control_.reset();
  metrics_.reset();
  io_.stop();
}

void Daemon::arm_watchdog() {
  const auto period = systemd::watchdog_period();
  if (!period) return;
  watchdog_timer_.expires_after(*period / 2);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    // This handler running proves the event loop turns; the probe loop must
    // also have started a round recently for every service.
    const auto now = Clock::now();
    for (const auto& [name, s] : services_) {
      const auto& c = s->config();
      const auto last = std::max(s->last_round_start(), started_);
      if (now - last > c.interval + c.timeout + 2s) {
        spdlog::error("service {}: no probe round for {}s; withholding the watchdog ping", name,
                      std::chrono::duration_cast<std::chrono::seconds>(now - last).count());
        arm_watchdog();
        return;
      }
    }
    systemd::notify_watchdog();
    arm_watchdog();
  });
}

nlohmann::json Daemon::status() const {
  using nlohmann::json;
  const auto now = Clock::now();
  json services = json::array();
  for (const auto& service : config_.services) {
    const auto it = services_.find(service.name);
    if (it != services_.end()) services.push_back(it->second->status(now));
  }
  json announced = json::array();
  for (const auto& [prefix, entry] : bus_.routes()) {
    announced.push_back({{"prefix", prefix.to_string()},
                         {"action", core::to_string(entry.action)},
                         {"service", entry.service}});
  }
  json protocols = json::object();
  for (const auto& protocol : protocols_)
    protocols[std::string(protocol->name())] = protocol->status();
  if (bfd_) protocols["bfd"] = bfd_->status();
  json out = {
      {"version", ANYCASTD_VERSION},
      {"router_id", router_id_ ? router_id_->to_string() : ""},
      {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(now - started_).count()},
      {"loopback",
       {{"interface", config_.loopback.interface},
        {"readded", addresses_ ? addresses_->readded_count() : 0}}},
  };
  // Moved, not listed above: an initializer list would copy every service.
  out["services"] = std::move(services);
  out["announced"] = std::move(announced);
  out["protocols"] = std::move(protocols);
  return out;
}

control::Reply Daemon::set_admin(const std::optional<std::string>& service, bool withdrawn) {
  if (stopping_) return control::Reply::failure("anycastd is stopping");
  std::vector<monitor::ServiceMonitor*> targets;
  if (service) {
    const auto it = services_.find(*service);
    if (it == services_.end()) {
      return control::Reply::failure(fmt::format("unknown service \"{}\" (configured: {})",
                                                 *service, known_services(config_)));
    }
    targets.push_back(it->second.get());
  } else {
    for (auto& [name, s] : services_)
      targets.push_back(s.get());
  }
  auto next = admin_withdrawn_;
  for (auto* s : targets) {
    if (withdrawn) {
      next.insert(s->name());
    } else {
      next.erase(s->name());
    }
  }
  // Persist first: an admin withdrawal that would not survive a restart is refused.
  if (const auto error = control::StateFile(config_.daemon.state_file).save(next)) {
    return control::Reply::failure(fmt::format("{}; nothing changed", *error));
  }
  admin_withdrawn_ = std::move(next);
  nlohmann::json names = nlohmann::json::array();
  for (auto* s : targets) {
    if (s->admin_withdrawn() != withdrawn) {
      spdlog::info("service {}: {} by an operator", s->name(),
                   withdrawn ? "withdrawn" : "announce allowed again");
      s->set_admin_withdrawn(withdrawn);
    }
    names.push_back(s->name());
  }
  update_status();
  return control::Reply::success({{"services", names}});
}

control::Handlers Daemon::handlers() {
  return control::Handlers{
      .status = [this] { return status(); },
      .withdraw = [this](const auto& service) { return set_admin(service, true); },
      .announce = [this](const auto& service) { return set_admin(service, false); },
      .reload = [this] { return reload(); },
      .answered =
          [this](std::string_view command, bool ok) {
            ++counters_.control[{std::string(command), ok ? "ok" : "error"}];
          },
  };
}

}  // namespace anycastd
