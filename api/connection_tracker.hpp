// ConnectionTracker: counts live connections against the cap and remembers them for a
// graceful stop.
//
// At the cap a new connection does not wait for an old one to time out: the connection that
// has been idle longest (a keep-alive connection between requests, or one that never sent a
// byte) is closed to make room, so a client with no request in progress holds no slot a new
// client needs. Only when every connection is busy is the new one refused. With a per-peer
// cap (0: none), one peer address beyond it evicts its own idle connections or is refused.
//
// Thread-safety: every method may be called from any thread; state is protected by mu_.
#pragma once

#include <atomic>
#include <cstddef>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/connection.hpp"

namespace chipreg::api {

class ConnectionTracker {
 public:
  struct Entry {
    std::weak_ptr<Connection> conn;
    Connection* raw;  // for idle_since; valid while the entry is listed (leave() comes first)
    std::string peer;
    bool evicting = false;
  };
  using Slot = std::list<Entry>::iterator;

  ConnectionTracker(int cap, int per_peer_cap) : cap_(cap), per_peer_cap_(per_peer_cap) {}
  ConnectionTracker(const ConnectionTracker&) = delete;
  ConnectionTracker& operator=(const ConnectionTracker&) = delete;

  // Registers a connection from `peer` (an IP address), evicting an idle one when at a cap;
  // false when every connection is busy or the server is stopping (the caller closes it).
  // `*evicted` tells whether an idle connection was asked to close for this one.
  bool admit(const std::shared_ptr<Connection>& c, const std::string& peer, Slot* slot, bool* evicted);
  // REQUIRES: `slot` came from a successful admit() and has not left yet.
  void leave(Slot slot);
  // Asks the longest-idle connection to close (after accept() failed for want of file
  // descriptors); false when none is idle.
  bool evict_idle();
  // Marks the server stopping and asks every live connection to stop when idle.
  void stop();
  bool stopping() const { return stopping_.load(); }
  std::size_t count() const;
  int cap() const { return cap_; }

 private:
  // The longest-idle entry not already being evicted (from `peer` only when given), or end().
  // REQUIRES: mu_ held.
  Slot oldest_idle(const std::string* peer);
  // Marks `it` evicting and returns its connection. REQUIRES: mu_ held.
  std::shared_ptr<Connection> mark_evicting(Slot it);

  // Connections being evicted still hold their descriptor for a moment; admitting beyond
  // the cap is allowed by at most this many while they close.
  static constexpr int kEvictionSlack = 64;

  const int cap_;
  const int per_peer_cap_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::list<Entry> live_;                // protected by mu_; newest first
  std::map<std::string, int> per_peer_;  // protected by mu_; only with a per-peer cap
  int evicting_ = 0;                     // protected by mu_
};

}  // namespace chipreg::api
