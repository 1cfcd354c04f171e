// The answers of the /v1/log endpoints, built from the transparency log (registry/log/):
// what each body holds and which error code each failure carries. The routes
// (api/routes/log.cpp) map the codes onto HTTP statuses with the one map of message.hpp.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "registry/db/sqlite.hpp"
#include "registry/log/note.hpp"
#include "registry/log/store_log.hpp"

namespace chipreg::api {

using tlog::NoteSigner;

// Each returns the body on success or an Error whose code maps to the HTTP status:
//   BAD_REQUEST -> 400   a parameter is missing, not a decimal integer, or out of order
//   NOT_FOUND   -> 404   an index or size beyond the current tree
//   other codes -> 500   storage failure or a corrupt log (LOG_CORRUPT, DB_ERROR, BUSY)
// Parameters are passed as the raw strings from the URL ("" when absent).

// GET /v1/log/checkpoint, text/plain: the signed note of current_checkpoint().
Result<std::string> checkpoint_response(db::Db& db, const NoteSigner& signer);

// GET /v1/log/key, text/plain: signer.verifier().key_string(), no trailing newline.
std::string key_response(const NoteSigner& signer);

// GET /v1/log/entries/{index}: {"index": I, "entry": BASE64(leaf bytes)}.
Result<boost::json::object> entry_response(db::Db& db, std::string_view index);

// GET /v1/log/entries/{index}/opening: what the leaf hides, for those who may read it:
//   {"index", "kind", "ref", "v": 1|2, "entry": BASE64(leaf bytes), "opening": BASE64(the
//    fact's bytes as logged), "salt": hex (v2 only)}
// so the reader checks SHA-256(salt || opening) against the leaf's commitment, then the
// leaf's inclusion (chipreg log verify --entry-response takes this answer). `may_read`
// decides on the stored entry (its parties); when it refuses the answer is NOT_FOUND, the
// same as for an index beyond the tree.
Result<boost::json::object> opening_response(db::Db& db, std::string_view index,
                                             const std::function<bool(const tlog::StoredEntry&)>& may_read);

// GET /v1/log/proof/inclusion?index=I&size=N: {"leaf_hash": hex, "path": [hex, ...]}.
// BAD_REQUEST if index >= size; NOT_FOUND if size exceeds the tree.
Result<boost::json::object> inclusion_response(db::Db& db, std::string_view index, std::string_view size);

// GET /v1/log/proof/consistency?from=M&to=N: {"path": [hex, ...]}.
// BAD_REQUEST if from > to; NOT_FOUND if to exceeds the tree; from == 0 or from == to
// give an empty path.
Result<boost::json::object> consistency_response(db::Db& db, std::string_view from, std::string_view to);

// A URL number: decimal digits only, no sign, fits in int64. BAD_REQUEST naming `field`.
Result<std::uint64_t> parse_log_number(std::string_view text, std::string_view field);

}  // namespace chipreg::api
