// ConnectionTracker: admission against the caps, eviction of the longest-idle connection,
// and the graceful stop (see connection_tracker.hpp).
#include "api/connection_tracker.hpp"

#include <vector>

namespace chipreg::api {

ConnectionTracker::Slot ConnectionTracker::oldest_idle(const std::string* peer) {
  Slot best = live_.end();
  std::int64_t best_since = 0;
  for (Slot it = live_.begin(); it != live_.end(); ++it) {
    if (it->evicting || (peer != nullptr && it->peer != *peer)) continue;
    const std::int64_t since = it->raw->idle_since.load(std::memory_order_relaxed);
    if (since != 0 && (best == live_.end() || since < best_since)) {
      best = it;
      best_since = since;
    }
  }
  return best;
}

std::shared_ptr<Connection> ConnectionTracker::mark_evicting(Slot it) {
  it->evicting = true;
  ++evicting_;
  return it->conn.lock();
}

bool ConnectionTracker::admit(const std::shared_ptr<Connection>& c, const std::string& peer, Slot* slot,
                              bool* evicted) {
  std::vector<std::shared_ptr<Connection>> evict;  // asked to close once the lock is released
  bool admitted = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    bool room = !stopping_.load() && static_cast<int>(live_.size()) < cap_ + kEvictionSlack;
    const auto mine = per_peer_.find(peer);
    if (room && per_peer_cap_ > 0 && mine != per_peer_.end() && mine->second >= per_peer_cap_) {
      const Slot victim = oldest_idle(&peer);
      room = victim != live_.end();
      if (room) evict.push_back(mark_evicting(victim));
    }
    // Connections already being evicted make room for the ones admitted meanwhile.
    if (room && static_cast<int>(live_.size()) - evicting_ >= cap_) {
      const Slot victim = oldest_idle(nullptr);
      room = victim != live_.end();  // else every connection is busy
      if (room) evict.push_back(mark_evicting(victim));
    }
    if (room) {
      live_.push_front(Entry{c, c.get(), peer, false});
      if (per_peer_cap_ > 0) ++per_peer_[peer];
      *slot = live_.begin();
      admitted = true;
    }
  }
  for (auto& e : evict) {
    if (e) e->stop_when_idle();
  }
  *evicted = !evict.empty();
  return admitted;
}

bool ConnectionTracker::evict_idle() {
  std::shared_ptr<Connection> victim;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Slot it = oldest_idle(nullptr);
    if (it == live_.end()) return false;
    victim = mark_evicting(it);
  }
  if (victim) victim->stop_when_idle();
  return true;
}

void ConnectionTracker::leave(Slot slot) {
  std::lock_guard<std::mutex> lock(mu_);
  if (slot->evicting) --evicting_;
  if (per_peer_cap_ > 0) {
    auto it = per_peer_.find(slot->peer);
    if (it != per_peer_.end() && --it->second <= 0) per_peer_.erase(it);
  }
  live_.erase(slot);
}

void ConnectionTracker::stop() {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_.store(true);
    for (auto& e : live_) {
      if (auto c = e.conn.lock()) live.push_back(std::move(c));
    }
  }
  for (auto& c : live) c->stop_when_idle();
}

std::size_t ConnectionTracker::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return live_.size();
}

}  // namespace chipreg::api
