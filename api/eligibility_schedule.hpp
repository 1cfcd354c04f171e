// The eligibility job inside `chipreg serve` (--eligibility-every): a thread of its own that
// every period runs store::run_eligibility for each configured year on two connections of
// the request pool, one to read and one to write. Its evaluations read a snapshot and take
// no lock; its writes are short transactions of one batch each (store/entitlements.hpp), so
// a request waits at most one batch's write for SQLite's lock. Each run prints one JSON line
// on stderr ({"eligibility": summary} or {"eligibility_error": ...}).
//
// Thread-safety: start() and stop() from the thread that owns the schedule; the job's
// thread touches only the pool (itself thread-safe) and its own state.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "api/db_pool.hpp"

namespace chipreg::api {

class EligibilitySchedule {
 public:
  // `years` empty: the previous and the current calendar year (Asia/Shanghai), read at each
  // run. REQUIRES: every > 0; `pool` outlives the schedule.
  EligibilitySchedule(DbPool& pool, std::chrono::seconds every, std::vector<int> years)
      : pool_(pool), every_(every), years_(std::move(years)) {}
  EligibilitySchedule(const EligibilitySchedule&) = delete;
  EligibilitySchedule& operator=(const EligibilitySchedule&) = delete;
  ~EligibilitySchedule() { stop(); }

  void start();
  // Wakes the thread and joins it; a run in progress finishes its current batch first.
  void stop();

 private:
  void loop();
  void run_once();

  DbPool& pool_;
  const std::chrono::seconds every_;
  const std::vector<int> years_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace chipreg::api
