// The db layer's vocabulary (registry/db/), as the store's code names it: the store is
// written against connections, statements and write scopes, never against SQLite's C API.
#pragma once

#include "registry/db/clock.hpp"
#include "registry/db/sqlite.hpp"

namespace chipreg::store {

using db::collect;
using db::optional_row;
using db::Db;
using db::DbOptions;
using db::each_row;
using db::Savepoint;
using db::Stmt;
using db::Tx;
using db::WriteScope;

using db::check_not_future;
using db::kClockSkewDays;
using db::now_utc;
using db::shanghai_date_of;
using db::today_shanghai;

}  // namespace chipreg::store
