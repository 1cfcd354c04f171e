// The store on the rules, the log and the db layer: every arrow allowed.
#include "registry/db/sqlite.hpp"
#include "registry/log/store_log.hpp"
#include "registry/rules/evaluation.hpp"
