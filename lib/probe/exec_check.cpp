// SPDX-License-Identifier: Apache-2.0
// The exec check: runs `command` (argv, no shell; argv[0] without a slash is
// looked up in PATH) with posix_spawnp in its own process group, with
// stdin/stdout/stderr on /dev/null and no other inherited fd (a child must
// not hold a BGP session open after the daemon dies). The exit is watched
// through a pidfd (pidfd_open(2)), so nothing blocks the event loop; exit
// status 0 passes. On timeout or cancel the whole process group gets SIGKILL
// and the child is reaped when its pidfd turns readable.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "probe/probe.hpp"

namespace anycastd::probe {
namespace {

// RAII for the posix_spawn attribute objects.
struct SpawnActions {
  posix_spawn_file_actions_t actions;
  SpawnActions() { posix_spawn_file_actions_init(&actions); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
};

struct SpawnAttr {
  posix_spawnattr_t attr;
  SpawnAttr() { posix_spawnattr_init(&attr); }
  ~SpawnAttr() { posix_spawnattr_destroy(&attr); }
  SpawnAttr(const SpawnAttr&) = delete;
  SpawnAttr& operator=(const SpawnAttr&) = delete;
};

// One spawned child, shared by the probe and the handler waiting for its
// exit. Whoever holds it last makes sure it does not outlive us unreaped.
class Child {
 public:
  Child(boost::asio::io_context& io, pid_t pid, int pidfd) : pid_(pid), pidfd_(io, pidfd) {}
  ~Child() {
    if (reaped_) return;
    // Only when the io_context goes away first: SIGKILL is not blockable, so
    // this wait is short.
    kill_group();
    waitpid(pid_, nullptr, 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  boost::asio::posix::stream_descriptor& pidfd() { return pidfd_; }

  // Our child is unreaped, so its pid still names its process group.
  void kill_group() const {
    if (!reaped_) ::kill(-pid_, SIGKILL);
  }

  // Collects the exit status once the pidfd is readable; nullopt when it is
  // not available (already reaped elsewhere, e.g. SIGCHLD set to SIG_IGN).
  std::optional<int> reap() {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == 0) return std::nullopt;
    reaped_ = true;
    if (r < 0) return std::nullopt;
    return status;
  }
  bool reaped() const { return reaped_; }

 private:
  pid_t pid_;
  boost::asio::posix::stream_descriptor pidfd_;
  bool reaped_ = false;
};

// Through syscall(2): glibc 2.36's <sys/pidfd.h> lacks the extern "C" a C++
// caller needs. The descriptor is close-on-exec.
int open_pidfd(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return name ? std::string("killed by SIG") + name
                : "killed by signal " + std::to_string(WTERMSIG(status));
  }
  return "wait status " + std::to_string(status);
}

class ExecProbe final : public Probe {
 public:
  ExecProbe(boost::asio::io_context& io, std::vector<std::string> command)
      : Probe(io), command_(std::move(command)) {}

 private:
  void start(Generation gen) override {
    std::vector<char*> argv;
    for (auto& arg : command_)
      argv.push_back(arg.data());
    argv.push_back(nullptr);

    SpawnActions fa;
    posix_spawn_file_actions_addopen(&fa.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa.actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa.actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&fa.actions, STDERR_FILENO + 1);

    // Own process group (pgid = pid) so a timeout kills everything it
    // started; default signal dispositions and an empty mask, whatever the
    // daemon uses itself.
    SpawnAttr sa;
    sigset_t empty;
    sigset_t all;
    sigemptyset(&empty);
    sigfillset(&all);
    posix_spawnattr_setflags(
        &sa.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&sa.attr, 0);
    posix_spawnattr_setsigmask(&sa.attr, &empty);
    posix_spawnattr_setsigdefault(&sa.attr, &all);

    pid_t pid = 0;
    const int err = posix_spawnp(&pid, argv[0], &fa.actions, &sa.attr, argv.data(), environ);
    if (err != 0) {
      return finish_later(gen, false, "cannot run " + command_.front() + ": " + std::strerror(err));
    }
    const int pidfd = open_pidfd(pid);
    if (pidfd < 0) {
      const int open_err = errno;
      ::kill(-pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      return finish_later(gen, false, std::string("pidfd_open: ") + std::strerror(open_err));
    }
    child_ = std::make_shared<Child>(io_, pid, pidfd);
    wait_for_exit(gen, child_);
  }

  void wait_for_exit(Generation gen, std::shared_ptr<Child> child) {
    child->pidfd().async_wait(
        boost::asio::posix::stream_descriptor::wait_read,
        [this, keep = shared_from_this(), gen, child](boost::system::error_code ec) {
          if (ec) return;
          const auto status = child->reap();
          if (!child->reaped()) return wait_for_exit(gen, child);
          if (!current(gen)) return;
          if (!status) return finish(gen, false, "exit status unavailable (reaped elsewhere)");
          const bool ok = WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
          finish(gen, ok, describe_status(*status));
        });
  }

  // After a result, a timeout or a cancel: the handler above still owns the
  // child and reaps it once the SIGKILL has taken effect.
  void stop() override {
    if (child_) child_->kill_group();
    child_.reset();
  }

  std::string timeout_note() const override { return ", process group killed"; }

  std::vector<std::string> command_;
  std::shared_ptr<Child> child_;
};

}  // namespace

std::shared_ptr<Probe> make_exec_probe(boost::asio::io_context& io,
                                       const config::CheckConfig& cfg) {
  if (cfg.command.empty()) return std::make_shared<FailingProbe>(io, "empty command");
  return std::make_shared<ExecProbe>(io, cfg.command);
}

}  // namespace anycastd::probe
