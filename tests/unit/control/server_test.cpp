// SPDX-License-Identifier: Apache-2.0
// ControlServer over a real Unix socket in a temporary directory, with fake
// handlers. The io_context runs on the test thread while blocking clients
// run on another one.
#include "control/server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/asio/local/stream_protocol.hpp>

#include "control/client.hpp"

namespace anycastd::control {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

// A connected raw client, for what anycastctl would never send.
class RawClient {
 public:
  explicit RawClient(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_STREAM, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void send(const std::string& data) {
    ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }
  // Everything up to and including the next newline; "" on EOF or after 10 s.
  std::string line() {
    std::string out;
    char c = 0;
    pollfd pfd{fd_, POLLIN, 0};
    while (::poll(&pfd, 1, 10000) == 1 && ::recv(fd_, &c, 1, 0) == 1) {
      out += c;
      if (c == '\n') break;
    }
    return out;
  }
  // True when the server closed the connection within 10 s.
  bool closed_by_server() {
    char c = 0;
    pollfd pfd{fd_, POLLIN, 0};
    return ::poll(&pfd, 1, 10000) == 1 && ::recv(fd_, &c, 1, 0) <= 0;
  }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "anycastd-ctl-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir = pattern;
    path = (dir / "run" / "anycastd.sock").string();
    handlers.status = [this] {
      ++status_calls;
      return json{{"version", "0.1.0"}, {"services", json::array()}};
    };
    handlers.withdraw = [this](const std::optional<std::string>& service) {
      if (service && *service != "dns")
        return Reply::failure("unknown service \"" + *service + "\"; configured: dns");
      last_withdraw = service.value_or("*all*");
      return Reply::success({{"withdrawn", json::array({"dns"})}});
    };
    handlers.reload = []() -> Reply { throw std::runtime_error("config vanished"); };
  }
  void TearDown() override { fs::remove_all(dir); }

  // Runs `f` on another thread while this one runs the io_context.
  template <class F>
  auto with_io(F f) -> decltype(f()) {
    auto future = std::async(std::launch::async, std::move(f));
    while (future.wait_for(0ms) != std::future_status::ready) {
      io.restart();
      io.run_for(5ms);
    }
    return future.get();
  }

  json call(const json& req) {
    auto response = with_io([&] { return request(path, req, 5s); });
    if (auto* error = std::get_if<ClientError>(&response)) {
      ADD_FAILURE() << error->message;
      return {};
    }
    return std::get<json>(response);
  }

  boost::asio::io_context io;
  fs::path dir;
  std::string path;
  Handlers handlers;
  int status_calls = 0;
  std::string last_withdraw;
};

TEST_F(ServerTest, StatusReturnsTheHandlersResult) {
  ControlServer server(io, path, handlers);
  const auto response = call({{"command", "status"}});
  EXPECT_EQ(response, json::parse(R"({"ok":true,"result":{"version":"0.1.0","services":[]}})"));
  EXPECT_EQ(status_calls, 1);
}

TEST_F(ServerTest, WithdrawPassesTheServiceOrAll) {
  ControlServer server(io, path, handlers);
  EXPECT_TRUE(call({{"command", "withdraw"}, {"service", "dns"}})["ok"].get<bool>());
  EXPECT_EQ(last_withdraw, "dns");
  EXPECT_TRUE(call({{"command", "withdraw"}, {"all", true}})["ok"].get<bool>());
  EXPECT_EQ(last_withdraw, "*all*");
}

TEST_F(ServerTest, WithdrawUnknownServiceIsRefused) {
  ControlServer server(io, path, handlers);
  const auto response = call({{"command", "withdraw"}, {"service", "web"}});
  EXPECT_FALSE(response["ok"].get<bool>());
  EXPECT_EQ(response["error"], "unknown service \"web\"; configured: dns");
}

TEST_F(ServerTest, MissingHandlerAndThrowingHandlerAreErrorReplies) {
  ControlServer server(io, path, handlers);
  auto response = call({{"command", "announce"}, {"all", true}});
  EXPECT_FALSE(response["ok"].get<bool>());
  EXPECT_THAT(response["error"].get<std::string>(), HasSubstr("does not support \"announce\""));
  response = call({{"command", "reload"}});
  EXPECT_FALSE(response["ok"].get<bool>());
  EXPECT_THAT(response["error"].get<std::string>(), HasSubstr("config vanished"));
}

TEST_F(ServerTest, AHandlerMayDestroyTheServerAndStillAnswer) {
  std::optional<ControlServer> server;
  handlers.reload = [&server] {
    server.reset();
    return Reply::success({{"message", "replaced"}});
  };
  server.emplace(io, path, handlers);
  const auto response = call({{"command", "reload"}});
  EXPECT_EQ(response["result"]["message"], "replaced");
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(ServerTest, GarbageGetsAnErrorAndTheServerKeepsServing) {
  ControlServer server(io, path, handlers);
  const auto replies = with_io([&] {
    RawClient client(path);
    client.send("hello\n");
    std::string first = client.line();
    client.send("{\"command\":\"status\"}\n");
    return std::make_pair(first, client.line());
  });
  const auto first = json::parse(replies.first);
  EXPECT_FALSE(first["ok"].get<bool>());
  EXPECT_THAT(first["error"].get<std::string>(), HasSubstr("not valid JSON"));
  EXPECT_TRUE(json::parse(replies.second)["ok"].get<bool>());
  EXPECT_TRUE(call({{"command", "status"}})["ok"].get<bool>());
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  ControlServer server(io, path, handlers);
  const auto replies = with_io([&] {
    RawClient client(path);
    client.send(
        "{\"command\":\"withdraw\",\"service\":\"x\"}\n{\"command\":\"status\"}\n"
        "{\"command\":\"status\"}");
    std::vector<std::string> out{client.line(), client.line()};
    client.send("\n");
    out.push_back(client.line());
    return out;
  });
  EXPECT_FALSE(json::parse(replies[0])["ok"].get<bool>());
  EXPECT_TRUE(json::parse(replies[1])["ok"].get<bool>());
  EXPECT_TRUE(json::parse(replies[2])["ok"].get<bool>());
}

TEST_F(ServerTest, LastRequestWithoutNewlineIsAnsweredOnHalfClose) {
  ControlServer server(io, path, handlers);
  const auto reply = with_io([&] {
    RawClient client(path);
    client.send("{\"command\":\"status\"}");
    client.shutdown_write();
    return client.line();
  });
  EXPECT_TRUE(json::parse(reply)["ok"].get<bool>());
  EXPECT_EQ(status_calls, 1);
}

TEST_F(ServerTest, OversizedLineIsRefusedAndClosed) {
  ControlServer server(io, path, handlers);
  const auto result = with_io([&] {
    RawClient client(path);
    client.send(std::string(kMaxRequestLine + 10, 'x'));
    auto line = client.line();
    return std::make_pair(line, client.closed_by_server());
  });
  const auto reply = json::parse(result.first);
  EXPECT_FALSE(reply["ok"].get<bool>());
  EXPECT_THAT(reply["error"].get<std::string>(), HasSubstr("longer than 65536 bytes"));
  EXPECT_TRUE(result.second);
  EXPECT_TRUE(call({{"command", "status"}})["ok"].get<bool>());
}

TEST_F(ServerTest, ClientsDisconnectingEarlyAreFine) {
  ControlServer server(io, path, handlers);
  with_io([&] {
    RawClient silent(path);
    silent.close();
    RawClient impatient(path);
    impatient.send(std::string("{\"command\":\"status\"}\n") + std::string(1000, ' '));
    impatient.close();
    return 0;
  });
  EXPECT_TRUE(call({{"command", "status"}})["ok"].get<bool>());
}

TEST_F(ServerTest, IdleClientIsClosed) {
  ControlServer server(io, path, handlers);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(with_io([&] {
    RawClient idle(path);
    return idle.closed_by_server();
  }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, kIdleTimeout - 100ms);
}

TEST_F(ServerTest, ClientsBeyondTheCapAreTurnedAway) {
  ControlServer server(io, path, handlers);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (std::size_t i = 0; i < kMaxClients; ++i)
    clients.push_back(std::make_unique<RawClient>(path));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server.client_count() < kMaxClients && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(5ms);
  }
  ASSERT_EQ(server.client_count(), kMaxClients);
  const auto reply = with_io([&] {
    RawClient extra(path);
    return extra.line();
  });
  EXPECT_THAT(reply, HasSubstr("too many control clients"));
  clients.clear();
  EXPECT_TRUE(call({{"command", "status"}})["ok"].get<bool>());
}

TEST_F(ServerTest, SocketIsMode0660InTheProcessGroup) {
  ControlServer server(io, path, handlers);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  EXPECT_EQ(st.st_gid, getegid());
}

TEST_F(ServerTest, DestructorUnlinksTheSocket) {
  { ControlServer server(io, path, handlers); }
  EXPECT_FALSE(fs::exists(path));
  auto response = request(path, {{"command", "status"}}, 1s);
  ASSERT_TRUE(std::holds_alternative<ClientError>(response));
  EXPECT_EQ(std::get<ClientError>(response).kind, ClientError::Kind::unreachable);
  EXPECT_EQ(std::get<ClientError>(response).error_number, ENOENT);
  EXPECT_THAT(std::get<ClientError>(response).message,
              HasSubstr("cannot reach anycastd at " + path + ": No such file or directory"));
}

TEST_F(ServerTest, StaleSocketIsReplaced) {
  fs::create_directories(fs::path(path).parent_path());
  {
    boost::asio::local::stream_protocol::acceptor stale(io);
    stale.open();
    stale.bind(boost::asio::local::stream_protocol::endpoint(path));
  }
  ASSERT_TRUE(fs::exists(path));
  ControlServer server(io, path, handlers);
  EXPECT_TRUE(call({{"command", "status"}})["ok"].get<bool>());
}

TEST_F(ServerTest, RefusesASocketAnotherServerServes) {
  ControlServer first(io, path, handlers);
  try {
    ControlServer second(io, path, handlers);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("is anycastd already running?"));
  }
  EXPECT_TRUE(call({{"command", "status"}})["ok"].get<bool>());
}

TEST_F(ServerTest, RefusesAPathThatIsNotASocket) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << "x";
  try {
    ControlServer server(io, path, handlers);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("exists and is not a socket"));
  }
  EXPECT_TRUE(fs::exists(path));
}

TEST_F(ServerTest, ClientTimesOutOnASilentServer) {
  fs::create_directories(fs::path(path).parent_path());
  boost::asio::local::stream_protocol::acceptor silent(io);
  silent.open();
  silent.bind(boost::asio::local::stream_protocol::endpoint(path));
  silent.listen();
  auto response = request(path, {{"command", "status"}}, 200ms);
  ASSERT_TRUE(std::holds_alternative<ClientError>(response));
  EXPECT_EQ(std::get<ClientError>(response).kind, ClientError::Kind::timeout);
}

}  // namespace
}  // namespace anycastd::control
