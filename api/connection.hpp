// Connection: what a client connection can be asked from threads other than its own. The
// ConnectionTracker holds connections by this interface to evict idle ones and to stop them
// all; Session (session.hpp) implements it.
//
// Thread-safety: stop_when_idle() may be called from any thread; idle_since is atomic,
// written on the connection's own thread and read by the tracker.
#pragma once

#include <atomic>
#include <cstdint>

namespace chipreg::api {

class Connection {
 public:
  virtual ~Connection() = default;
  // Closes the connection if it is waiting for a new request; a request in flight finishes
  // and its response goes out with "Connection: close". Thread-safe (posts to the session's thread).
  virtual void stop_when_idle() = 0;

  // When the connection started waiting for a request with nothing of it received yet, in
  // steady_clock ticks; 0 while a request is being read, handled or answered. Written on the
  // session's thread, read by the tracker when it looks for a connection to evict.
  std::atomic<std::int64_t> idle_since{0};
};

}  // namespace chipreg::api
