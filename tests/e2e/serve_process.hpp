// End-to-end test support: the real `chipreg serve` as a child process on 127.0.0.1:0. The
// constructor waits for its {"listening": "HOST:PORT"} line and records the port; stop()
// sends SIGTERM and returns the exit status; the destructor kills a server still running.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace chipreg::testing {

class ServeProcess {
 public:
  // Runs `chipreg serve --db DB --listen 127.0.0.1:0 EXTRA...`, stderr to `log_path`.
  // Throws std::runtime_error if it exits or prints nothing within 20 s.
  ServeProcess(const std::string& db, const std::string& log_path, const std::vector<std::string>& extra = {});
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  ~ServeProcess();

  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }  // -1 once it has exited
  bool tls() const { return tls_; }
  // Sends `sig` (SIGTERM by default) and waits; returns the exit status, or -signal when
  // killed by a signal, or -1000 if it did not exit within `timeout_ms`.
  int stop(int sig = 15, int timeout_ms = 20000);
  // Sends a signal without waiting.
  void signal(int sig);
  // Waits for exit; same results as stop().
  int wait(int timeout_ms);

 private:
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  bool tls_ = false;
};

}  // namespace chipreg::testing
