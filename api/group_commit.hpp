// Group commit: several write requests committed in one transaction, so that concurrent
// writers share one fsync (the WriteQueue gathers them; Handler::handle_writes runs them).
//
// The requests run one after another on one connection, in one transaction (BEGIN
// IMMEDIATE). Each request keeps its own writes in a savepoint of its own (the routes'
// in_transaction), so a failed request writes nothing and leaves the others' writes alone.
// The transaction commits once, after the last request. A success is reported only after
// that commit:
//   - the commit fails: every success of the batch gets the commit's error instead;
//   - SQLite ends the transaction itself under a request (an I/O error, a full disk, an
//     interrupted statement roll the whole transaction back): that request and the
//     successes before it in the same transaction get DB_ERROR ("nothing was stored"), and
//     the requests after it run in a new transaction;
//   - the transaction cannot start (the write lock stayed busy): every request not yet run
//     gets that error (503 BUSY) and none is run.
// A replaced answer keeps its route, for the metrics and the access log.
#pragma once

#include <functional>
#include <vector>

#include "api/message.hpp"
#include "registry/db/sqlite.hpp"

namespace chipreg::api {

// Runs one request on the connection given to group_commit, inside its transaction.
// Returns its answer; a status of 400 or more means it wrote nothing.
using RunInBatch = std::function<Response(const Request&)>;

// Runs `reqs` through `run` as one group commit on `db` (see above) and answers in the order
// of `reqs`. REQUIRES: `db` is in autocommit mode (no transaction open); it is again on return.
std::vector<Response> group_commit(db::Db& db, const std::vector<const Request*>& reqs, const RunInBatch& run);

}  // namespace chipreg::api
