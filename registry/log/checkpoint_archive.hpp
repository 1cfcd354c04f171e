// Checkpoints kept outside the registry: an archive directory of signed checkpoints that an
// outside party keeps, appended to by `chipreg log publish` and checked by `chipreg log
// audit --checkpoints` (docs/LOG.md "Checkpoints outside the registry").
//
// The archive is a directory with one file per checkpoint:
//
//   +--------------+-----------------------------------------------------------------+
//   | DIR/SIZE.cp  | the signed note of the checkpoint of the tree of SIZE leaves,    |
//   |              | exactly as GET /v1/log/checkpoint serves it (note.hpp), possibly |
//   |              | with witness cosignature lines added after the log's own         |
//   +--------------+-----------------------------------------------------------------+
//
//   SIZE   the tree size in decimal without leading zeros, as on the checkpoint's second
//          line ("0.cp", "6.cp", "120.cp"); sort the names numerically, not as text.
//   Names starting with "." (publish's temporary files) and names not ending in ".cp"
//   are not part of the archive; any other "*.cp" must be SIZE.cp for its own SIZE.
//
// The archive only grows: publish writes a new file atomically (a temporary file in DIR,
// fsync, link(2) to its name, which refuses an existing name, fsync of DIR), never
// replaces one, and appends only a checkpoint that is consistent with the newest one
// already there. A witness may add its cosignature lines to a file in place (the log's
// signature and the text stay as they were): a verifier ignores signatures by keys it was
// not asked about.
//
// Error codes: IO_ERROR (a directory or file cannot be read or written), BAD_ARCHIVE_NAME
// (a *.cp file whose name is not its tree size), the note errors of note.hpp (BAD_NOTE,
// BAD_SIGNATURE, UNKNOWN_KEY) for a file that is not a checkpoint signed by the log key,
// with the file named in the message and as the field; and for publish LOG_TRUNCATED,
// CHECKPOINT_MISMATCH (the log does not extend the newest archived checkpoint).
//
// Thread-safety: like db::Db, a call belongs to one thread. Two publishers racing on one
// archive cannot both write a file of the same size: link(2) lets one win, and the other
// then compares with what the winner wrote.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "registry/db/sqlite.hpp"
#include "registry/log/note.hpp"

namespace chipreg::tlog {

// One archive file, its signature verified.
struct ArchivedCheckpoint {
  std::string file;  // DIR/SIZE.cp, as the caller spelled DIR
  Checkpoint checkpoint;
  std::string note;  // the file's bytes: the log's signature and any witnesses'
};

// The archive file name of a checkpoint of `size` leaves: "SIZE.cp".
std::string archive_file_name(std::uint64_t size);

// Every checkpoint in `dir`, oldest (smallest) first, each opened with open_checkpoint under
// `verifier` (so its origin is the verifier's name). An empty directory is an empty
// archive. Errors: IO_ERROR (no such directory, or unreadable), BAD_ARCHIVE_NAME, and the
// first file that does not verify (note.hpp's codes, the file in message and field).
Result<std::vector<ArchivedCheckpoint>> read_archive(const std::string& dir, const NoteVerifier& verifier);

// What publish_checkpoint did.
struct PublishOutcome {
  // true: `file` was written. false: the newest archived checkpoint already signs the
  // log's current tree (same size and root), and nothing was written.
  bool published = false;
  std::string file;       // the file written, or the one that already holds the tree
  Checkpoint checkpoint;  // the log's current tree
  // The newest checkpoint archived before, from which consistency was proven (none for
  // the first publish to an archive).
  std::optional<ArchivedCheckpoint> previous;
  std::size_t proof_hashes = 0;  // length of the consistency proof from `previous`
};

// `chipreg log publish`: signs the log's current checkpoint with `signer` (the log key:
// current_checkpoint and sign_note, as GET /v1/log/checkpoint does) and appends it to
// the archive `dir`, creating `dir` (not its parents) if it does not exist.
//
// Before writing, the log must extend the newest archived checkpoint, proven with a
// consistency proof computed from the stored tree in the same read snapshot as the
// current checkpoint and verified against both roots:
//   log smaller than the newest                LOG_TRUNCATED
//   same size, different root, or a proof that
//   does not verify                            CHECKPOINT_MISMATCH
//   same size and root                         OK, published = false
// Only the newest file is opened (it must verify under signer.verifier()); every name is
// listed, so a BAD_ARCHIVE_NAME anywhere refuses too. A file of the new size that
// appeared meanwhile is kept: OK (published = false) if it signs the same tree, else
// CHECKPOINT_MISMATCH naming it.
// REQUIRES: `db` has no open transaction; `signer` is the log's key (load_log_key).
Result<PublishOutcome> publish_checkpoint(db::Db& db, const NoteSigner& signer, const std::string& dir);

// `chipreg log audit --checkpoints`: audit_log(db, against) (audit.hpp), and in the same
// read snapshot, for the archive `archive` (read_archive's answer, oldest first, read from
// `dir`):
//   each checkpoint C  the stored tree proves, by a consistency proof from C's size to the
//                      current size verified against C's root and the current root, that
//                      the log extends C; if not: LOG_TRUNCATED (C is larger than the log)
//                      or CHECKPOINT_MISMATCH; CHECKPOINT_UNPROVEN if the stored tree
//                      cannot give the proof (a corrupt log, reported beside)
//   each pair P < C    next to each other in the archive, while the log still holds C:
//                      the stored tree's proof from P's size to C's size verifies between
//                      P's root and C's root. If C is held and it does not, the archive
//                      holds two signed checkpoints that no one log can have produced:
//                      ARCHIVE_FORK (file C, "previous" P). (If C is not held, C's own
//                      problem is reported and the pair cannot be judged from this log.)
//   each witness W    (`witnesses`, may be empty) must have cosigned every checkpoint
//                      (open_cosignature, note.hpp): UNWITNESSED if it did not,
//                      BAD_COSIGNATURE if its line does not verify ("witness" names it)
// Each problem is {"problem", "file", "tree_size", "message"} (and "previous" or
// "witness"), appended to the audit's "problems", and the report gains
//   "checkpoints": {"dir", "checked", "held", "pairs_checked", "newest_size" (null if
//                   the archive is empty), "witnesses": [names required]}
// "ok" is true exactly when "problems" is empty.
// Errors: LOG_ORIGIN_MISMATCH when the archive's origin (the verifier's name the
// checkpoints were opened with; pass it as `origin`) is not this log's; storage failures.
Result<boost::json::object> audit_log_against_archive(db::Db& db, const std::optional<Checkpoint>& against,
                                                      const std::string& dir, const std::string& origin,
                                                      const std::vector<ArchivedCheckpoint>& archive,
                                                      const std::vector<CosignatureVerifier>& witnesses = {});

}  // namespace chipreg::tlog
