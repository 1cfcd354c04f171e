// The store of the other clauses' facts (schema migration 6): R&D declarations, sign-off
// participants, compute contracts, data trades, datasets and their calls, platform
// recognitions and expenses, events. Each row keeps the fact's canonical scenario JSON
// beside the columns the claim loader selects on (load_clause_facts.hpp).
//
// Transactions: as in repository.hpp, the CALLER owns the transaction; every insert_*
// REQUIRES an open write transaction on `db` and leaves the database as it was when it
// fails (one INSERT each).
//
// Errors (Error::field names the offending field of the fact):
//   AMOUNT_TOO_LARGE      money beyond Money::kMaxIntakeFen (10^12 fen), naming the field
//   FUTURE_DATE           a date past today + kClockSkewDays (clock.hpp): a contract's,
//                         trade's, call's or expense's date, a participation's or
//                         recognition's `from`, an event's approval_date, a declaration's
//                         year (its 1 January); an event's start may lie ahead
//   UNKNOWN_ENTERPRISE    a party that names no registered enterprise
//   UNKNOWN_DATASET       a call of a dataset that is not registered
//   DUPLICATE             an id already stored (contract, trade, dataset, call, expense, event)
//   BAD_VALUE             a role the facts need is not the party's (none checked here: the
//                         rules decide on roles, so a fact about any enterprise is stored)
//   CONSTRAINT_VIOLATION  the schema refused the row (a backstop)
//   DB_ERROR, BUSY        storage failures, passed through
#pragma once

#include <functional>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

Status insert_rd_declaration(Db& db, const RdDeclaration& d);
Status insert_signoff_participant(Db& db, const SignoffParticipant& p);
Status insert_compute_contract(Db& db, const ComputeContract& c);
Status insert_data_trade(Db& db, const DataTrade& t);
Status insert_dataset(Db& db, const Dataset& d);
Status insert_dataset_call(Db& db, const DatasetCall& c);
Status insert_platform_recognition(Db& db, const PlatformRecognition& r);
Status insert_platform_expense(Db& db, const PlatformExpense& x);
Status insert_event(Db& db, const Event& e);

// Every stored fact of one kind in insertion order, for export. A row that no longer
// parses is CORRUPT_ROW naming the table and key.
Status for_each_rd_declaration(Db& db, const std::function<Status(const RdDeclaration&)>& fn);
Status for_each_signoff_participant(Db& db, const std::function<Status(const SignoffParticipant&)>& fn);
Status for_each_compute_contract(Db& db, const std::function<Status(const ComputeContract&)>& fn);
Status for_each_data_trade(Db& db, const std::function<Status(const DataTrade&)>& fn);
Status for_each_dataset(Db& db, const std::function<Status(const Dataset&)>& fn);
Status for_each_dataset_call(Db& db, const std::function<Status(const DatasetCall&)>& fn);
Status for_each_platform_recognition(Db& db, const std::function<Status(const PlatformRecognition&)>& fn);
Status for_each_platform_expense(Db& db, const std::function<Status(const PlatformExpense&)>& fn);
Status for_each_event(Db& db, const std::function<Status(const Event&)>& fn);

}  // namespace chipreg::store
