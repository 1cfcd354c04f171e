// Group commit: one transaction for a batch of write requests (see group_commit.hpp).
#include "api/group_commit.hpp"

#include <cstddef>
#include <string>
#include <utility>

namespace chipreg::api {

std::vector<Response> group_commit(db::Db& db, const std::vector<const Request*>& reqs, const RunInBatch& run) {
  std::vector<Response> out(reqs.size());
  // Replaces a success whose writes did not reach the database by `why`, keeping its route.
  auto lost = [&out](const std::vector<std::size_t>& done, const Error& why) {
    for (std::size_t i : done) {
      std::string route = std::move(out[i].route);
      out[i] = error_response(why);
      out[i].route = std::move(route);
    }
  };
  std::size_t next = 0;
  while (next < reqs.size()) {
    auto tx = db::Tx::begin(db);
    if (!tx) {
      for (; next < reqs.size(); ++next) out[next] = error_response(tx.error());
      break;
    }
    std::vector<std::size_t> done;  // successes waiting for this transaction's commit
    bool broken = false;
    while (next < reqs.size() && !broken) {
      const std::size_t i = next++;
      out[i] = run(*reqs[i]);
      if (out[i].status < 400) done.push_back(i);
      if (!db.in_transaction()) {
        // SQLite ended the transaction itself: the writes of this and the earlier requests are gone.
        lost(done, Error("DB_ERROR", "the write was rolled back with its transaction; nothing was stored"));
        done.clear();
        broken = true;
      }
    }
    if (broken) continue;  // `tx` has nothing left to roll back; the rest get a new one
    if (auto st = tx->commit(); !st) lost(done, st.error());
  }
  return out;
}

}  // namespace chipreg::api
