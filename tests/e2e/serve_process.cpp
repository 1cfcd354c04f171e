// ServeProcess: fork/exec of `chipreg serve` with its stdout on a pipe.
#include "e2e/serve_process.hpp"

#include <boost/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace chipreg::testing {

ServeProcess::ServeProcess(const std::string& db, const std::string& log_path, const std::vector<std::string>& extra) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> args = {CHIPREG_BINARY, "serve", "--db", db, "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra.begin(), extra.end());
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out[1], 1);
    const int err = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err >= 0) dup2(err, 2);
    close(out[0]);
    close(out[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    const ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);
  boost::system::error_code ec;
  auto v = boost::json::parse(line.substr(0, line.find('\n')), ec);
  if (ec || !v.is_object() || !v.as_object().contains("listening")) {
    stop(SIGKILL, 5000);
    throw std::runtime_error("chipreg serve did not start; stdout: '" + line + "', see " + log_path);
  }
  const std::string where(v.at("listening").as_string());
  port_ = static_cast<unsigned short>(std::stoi(where.substr(where.rfind(':') + 1)));
  tls_ = v.at("tls").as_bool();
}

ServeProcess::~ServeProcess() {
  if (pid_ > 0) stop(SIGKILL, 5000);
}

void ServeProcess::signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

int ServeProcess::wait(int timeout_ms) {
  if (pid_ <= 0) return -1000;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return -WTERMSIG(status);
      return -1000;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1000;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int ServeProcess::stop(int sig, int timeout_ms) {
  if (pid_ <= 0) return -1000;
  kill(pid_, sig);
  const int r = wait(timeout_ms);
  if (r == -1000 && pid_ > 0) {
    kill(pid_, SIGKILL);
    wait(5000);
  }
  return r;
}

}  // namespace chipreg::testing
