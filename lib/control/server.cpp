// SPDX-License-Identifier: Apache-2.0
#include "control/server.hpp"

#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <list>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace anycastd::control {

namespace {

using boost::asio::local::stream_protocol;

constexpr std::chrono::seconds kAcceptRetry{1};

std::string errno_text(int error) {
  return std::strerror(error);
}

// Refuses to take over a socket that a live process still accepts on, and
// removes one left behind by a process that died.
void remove_stale_socket(boost::asio::io_context& io, const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw std::runtime_error("cannot inspect control socket " + path + ": " + errno_text(errno));
  }
  if (!S_ISSOCK(st.st_mode))
    throw std::runtime_error("control socket path " + path +
                             " exists and is not a socket; remove it or set "
                             "daemon.control_socket to another path");
  stream_protocol::socket probe(io);
  boost::system::error_code ec;
  probe.connect(stream_protocol::endpoint(path), ec);
  if (!ec)
    throw std::runtime_error("another process is serving control socket " + path +
                             "; is anycastd already running? Stop it or set "
                             "daemon.control_socket to another path");
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    throw std::runtime_error("cannot remove stale control socket " + path + ": " +
                             errno_text(errno));
}

void create_parent(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  const bool created = std::filesystem::create_directories(parent, ec);
  if (ec)
    throw std::runtime_error("cannot create directory " + parent.string() +
                             " for the control socket: " + ec.message());
  if (created) {
    using std::filesystem::perms;
    std::filesystem::permissions(parent, perms::owner_all | perms::group_read | perms::group_exec,
                                 ec);
  }
}

class Session;

}  // namespace

struct detail::ServerState {
  ServerState(boost::asio::io_context& io, std::string path, Handlers handlers)
      : path(std::move(path)), handlers(std::move(handlers)), acceptor(io), retry_timer(io) {}

  std::size_t live_sessions() {
    sessions.remove_if([](const std::weak_ptr<Session>& s) { return s.expired(); });
    return sessions.size();
  }

  std::string path;
  Handlers handlers;
  stream_protocol::acceptor acceptor;
  boost::asio::steady_timer retry_timer;
  std::list<std::weak_ptr<Session>> sessions;
  bool stopped = false;
  // Identity of the socket file we bound, so we never unlink a successor's.
  dev_t device = 0;
  ino_t inode = 0;
};

namespace {

// One connected client: read a line, answer it, repeat.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<detail::ServerState> server, stream_protocol::socket socket)
      : server_(std::move(server)), socket_(std::move(socket)), timer_(socket_.get_executor()) {}

  void start() { read(); }

  // Closes a session waiting for a request; one busy answering finishes
  // its reply first (a reload may replace the server from inside a handler).
  void stop() {
    if (!replying_) close();
  }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
  }

 private:
  void read() {
    timer_.expires_after(kIdleTimeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      spdlog::debug("control: closing a client idle for {}s", kIdleTimeout.count());
      self->close();
    });
    boost::asio::async_read_until(
        socket_, boost::asio::dynamic_buffer(input_, kMaxRequestLine + 1), '\n',
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          self->on_read(ec, n);
        });
  }

  void on_read(const boost::system::error_code& ec, std::size_t n) {
    if (server_->stopped) return;
    replying_ = true;
    if (ec == boost::asio::error::not_found) {
      // The buffer filled up without a newline.
      reply(encode_reply(Reply::failure("request longer than " + std::to_string(kMaxRequestLine) +
                                        " bytes; send one short JSON object per line")),
            true);
      return;
    }
    if (ec == boost::asio::error::eof && !input_.empty()) {
      // A last request without its newline, from a client that shut down its side.
      reply(ControlServer::answer(server_->handlers, input_), true);
      return;
    }
    if (ec) {
      close();
      return;
    }
    const std::string line = input_.substr(0, n);
    input_.erase(0, n);
    reply(ControlServer::answer(server_->handlers, line), false);
  }

  void reply(std::string text, bool then_close) {
    output_ = std::move(text);
    boost::asio::async_write(
        socket_, boost::asio::buffer(output_),
        [self = shared_from_this(), then_close](const boost::system::error_code& ec, std::size_t) {
          // A client that went away before reading its answer is not an error.
          self->replying_ = false;
          if (ec || then_close || self->server_->stopped) {
            self->close();
            return;
          }
          self->read();
        });
  }

  std::shared_ptr<detail::ServerState> server_;
  stream_protocol::socket socket_;
  boost::asio::steady_timer timer_;
  std::string input_;
  std::string output_;
  bool replying_ = false;
};

void accept(const std::shared_ptr<detail::ServerState>& state) {
  state->acceptor.async_accept(
      [state](const boost::system::error_code& ec, stream_protocol::socket socket) {
        if (state->stopped || ec == boost::asio::error::operation_aborted) return;
        if (ec) {
          // Out of file descriptors and the like: back off instead of spinning.
          spdlog::warn("control: accepting a client on {} failed: {}; retrying in {}s", state->path,
                       ec.message(), kAcceptRetry.count());
          state->retry_timer.expires_after(kAcceptRetry);
          state->retry_timer.async_wait([state](const boost::system::error_code& timer_ec) {
            if (!timer_ec && !state->stopped) accept(state);
          });
          return;
        }
        if (state->live_sessions() >= kMaxClients) {
          const auto text = encode_reply(Reply::failure(
              "too many control clients (" + std::to_string(kMaxClients) + "); try again shortly"));
          boost::system::error_code ignored;
          socket.non_blocking(true, ignored);
          socket.write_some(boost::asio::buffer(text), ignored);
        } else {
          auto session = std::make_shared<Session>(state, std::move(socket));
          state->sessions.push_back(session);
          session->start();
        }
        accept(state);
      });
}

Reply unsupported(Command command) {
  return Reply::failure("this anycastd does not support \"" + std::string(to_string(command)) +
                        "\" yet");
}

}  // namespace

ControlServer::ControlServer(boost::asio::io_context& io, std::string socket_path,
                             Handlers handlers)
    : state_(
          std::make_shared<detail::ServerState>(io, std::move(socket_path), std::move(handlers))) {
  const std::string& path = state_->path;
  if (path.empty())
    throw std::runtime_error("control socket path is empty; set daemon.control_socket");
  if (path.size() >= sizeof(sockaddr_un::sun_path))
    throw std::runtime_error("control socket path " + path + " is longer than " +
                             std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                             " bytes; set daemon.control_socket to a shorter path");
  create_parent(path);
  remove_stale_socket(io, path);
  try {
    state_->acceptor.open();
    state_->acceptor.bind(stream_protocol::endpoint(path));
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot create control socket " + path + ": " + e.code().message());
  }
  // Before listen(), nobody can connect yet, so the mode is right from the first client on.
  if (chmod(path.c_str(), 0660) != 0 ||
      chown(path.c_str(), static_cast<uid_t>(-1), getegid()) != 0) {
    const int error = errno;
    unlink(path.c_str());
    throw std::runtime_error("cannot set mode 0660 on control socket " + path + ": " +
                             errno_text(error));
  }
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    state_->device = st.st_dev;
    state_->inode = st.st_ino;
  }
  try {
    state_->acceptor.listen(stream_protocol::acceptor::max_listen_connections);
  } catch (const boost::system::system_error& e) {
    unlink(path.c_str());
    throw std::runtime_error("cannot listen on control socket " + path + ": " + e.code().message());
  }
  accept(state_);
}

ControlServer::~ControlServer() {
  state_->stopped = true;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  state_->retry_timer.cancel();
  for (const auto& weak : state_->sessions) {
    if (auto session = weak.lock()) session->stop();
  }
  state_->sessions.clear();
  struct stat st {};
  if (stat(state_->path.c_str(), &st) == 0 && st.st_dev == state_->device &&
      st.st_ino == state_->inode)
    unlink(state_->path.c_str());
}

const std::string& ControlServer::socket_path() const {
  return state_->path;
}

std::size_t ControlServer::client_count() const {
  return state_->live_sessions();
}

namespace {

Reply dispatch(const Handlers& handlers, const Request& request) {
  try {
    switch (request.command) {
      case Command::status:
        if (handlers.status) return Reply::success(handlers.status());
        break;
      case Command::withdraw:
        if (handlers.withdraw) return handlers.withdraw(request.service);
        break;
      case Command::announce:
        if (handlers.announce) return handlers.announce(request.service);
        break;
      case Command::reload:
        if (handlers.reload) return handlers.reload();
        break;
    }
  } catch (const std::exception& e) {
    spdlog::error("control: {} failed: {}", to_string(request.command), e.what());
    return Reply::failure(std::string(to_string(request.command)) +
                          " failed inside anycastd: " + e.what() + "; see the daemon log");
  }
  return unsupported(request.command);
}

}  // namespace

std::string ControlServer::answer(const Handlers& handlers, std::string_view line) {
  auto parsed = parse_request(line);
  if (const auto* error = std::get_if<std::string>(&parsed)) {
    if (handlers.answered) handlers.answered("invalid", false);
    return encode_reply(Reply::failure(*error));
  }
  const auto& request = std::get<Request>(parsed);
  spdlog::debug("control: {}", to_json(request).dump());
  Reply reply = dispatch(handlers, request);
  if (handlers.answered) handlers.answered(to_string(request.command), reply.ok);
  return encode_reply(std::move(reply));
}

}  // namespace anycastd::control
