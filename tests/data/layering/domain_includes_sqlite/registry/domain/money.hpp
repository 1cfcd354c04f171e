// A value type that reaches for SQLite: only the db layer may.
#include <sqlite3.h>
