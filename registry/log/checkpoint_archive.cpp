// The checkpoint archive (format and contract in checkpoint_archive.hpp): listing and
// opening its files, publish's consistency check and atomic append, and the audit's
// checks of every archived checkpoint against the stored tree.
#include "registry/log/checkpoint_archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/encoding.hpp"
#include "registry/log/audit.hpp"
#include "registry/log/merkle.hpp"
#include "registry/log/store_log.hpp"

namespace chipreg::tlog {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSuffix = ".cp";
// A checkpoint is three short lines and a few signature lines; a witness adds one line
// each. Anything larger is not a checkpoint, and is not read into memory whole.
constexpr std::size_t kMaxFileBytes = std::size_t{64} * 1024;

Error io_error(const std::string& path, int err) { return Error("IO_ERROR", path + ": " + std::strerror(err), path); }

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

// SIZE of a "SIZE.cp" name: decimal, no leading zeros (as a checkpoint's size line).
bool size_of_name(std::string_view stem, std::uint64_t& out) {
  if (stem.empty() || stem.size() > 19 || (stem.size() > 1 && stem[0] == '0')) return false;
  out = 0;
  for (char c : stem) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

struct Listed {
  std::uint64_t size = 0;
  std::string file;
};

// The archive's SIZE.cp files, smallest first, without opening them.
Result<std::vector<Listed>> list_archive(const std::string& dir) {
  std::error_code ec;
  std::vector<Listed> out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || name.size() <= kSuffix.size() ||
        name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
      continue;
    }
    Listed l;
    l.file = join(dir, name);
    if (!size_of_name(std::string_view(name).substr(0, name.size() - kSuffix.size()), l.size)) {
      return Error("BAD_ARCHIVE_NAME",
                   l.file + ": an archive file is named SIZE.cp, SIZE its tree size in decimal without leading zeros",
                   l.file);
    }
    out.push_back(std::move(l));
  }
  if (ec) return Error("IO_ERROR", dir + ": " + ec.message(), dir);
  std::sort(out.begin(), out.end(), [](const Listed& a, const Listed& b) { return a.size < b.size; });
  return out;
}

Result<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path, errno);
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return io_error(path, errno);
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes) {
    return Error("BAD_NOTE", path + ": larger than " + std::to_string(kMaxFileBytes) + " bytes, not a checkpoint",
                 path);
  }
  return text;
}

// One archive file, opened under the log's key; its size must be its name's.
Result<ArchivedCheckpoint> open_archived(const Listed& listed, const NoteVerifier& verifier) {
  auto note = read_small_file(listed.file);
  if (!note) return note.error();
  auto cp = open_checkpoint(*note, verifier);
  if (!cp) return Error(cp.error().code, listed.file + ": " + cp.error().message, listed.file);
  if (cp->size != listed.size) {
    return Error("BAD_ARCHIVE_NAME",
                 listed.file + ": holds the checkpoint of a tree of " + std::to_string(cp->size) + " leaves",
                 listed.file);
  }
  return ArchivedCheckpoint{listed.file, std::move(*cp), std::move(*note)};
}

Status sync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return io_error(path, errno);
  const bool ok = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) return io_error(path, err);
  return Status::Ok();
}

// `dir`, created (mode 0755, then its parent synced) if it does not exist. Checkpoints are
// public, and the archive is for someone else to read: the mode is set whatever the umask
// (chipreg's main sets 077 for the files that hold facts or secrets).
Status ensure_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) {
    if (::chmod(dir.c_str(), 0755) != 0) return io_error(dir, errno);
    std::string parent = fs::path(dir).lexically_normal().parent_path().string();
    if (parent.empty()) parent = ".";
    return sync_path(parent, O_RDONLY | O_DIRECTORY);
  }
  if (errno != EEXIST) return io_error(dir, errno);
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) return io_error(dir, errno);
  if (!S_ISDIR(info.st_mode)) return Error("IO_ERROR", dir + ": not a directory", dir);
  return Status::Ok();
}

// Writes `data` as the new file `dir`/`name`, mode 0644 (a checkpoint is public): a
// temporary file in `dir`, synced, linked to its name (link(2) refuses an existing name:
// EXISTS) and the directory synced. The name is either absent or the whole file.
Status write_new_file(const std::string& dir, const std::string& name, const std::string& data) {
  const std::string path = join(dir, name);
  std::string tmp = join(dir, "." + name + ".tmp-XXXXXX");
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return io_error(tmp, errno);
  bool ok = ::fchmod(fd, 0644) == 0;
  std::size_t done = 0;
  while (ok && done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  int err = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && ::link(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  ::unlink(tmp.c_str());
  if (!ok) return err == EEXIST ? Error("EXISTS", path + " exists", path) : io_error(path, err);
  return sync_path(dir, O_RDONLY | O_DIRECTORY);
}

// Proves from the stored tree that the log at `now` extends `old` (the checkpoint in
// `file`), and returns the length of the consistency proof. LOG_TRUNCATED and
// CHECKPOINT_MISMATCH are the verdicts; any other error is a failure to compute the proof.
// REQUIRES: `db` is in the read snapshot `now` was taken in.
Result<std::size_t> prove_extends(db::Db& db, const Checkpoint& old, const Checkpoint& now, const std::string& file) {
  if (old.size > now.size) {
    return Error(
        "LOG_TRUNCATED",
        file + " signs a tree of " + std::to_string(old.size) + " leaves; the log holds " + std::to_string(now.size),
        file);
  }
  auto proof = consistency_proof(db_node_source(db), old.size, now.size);
  if (!proof) return proof.error();
  if (verify_consistency(old.size, now.size, old.root, now.root, *proof)) return proof->size();
  auto then = tree_root(db, old.size);
  const std::string theirs = then ? crypto::hex(*then) : "(unreadable: " + then.error().message + ")";
  return Error("CHECKPOINT_MISMATCH",
               "the log's first " + std::to_string(old.size) + " leaves hash to " + theirs + "; " + file + " signs " +
                   crypto::hex(old.root),
               file);
}

boost::json::object problem(std::string_view code, const ArchivedCheckpoint& a, const std::string& message) {
  return boost::json::object{{"problem", code},
                             {"file", a.file},
                             {"tree_size", static_cast<std::int64_t>(a.checkpoint.size)},
                             {"message", message}};
}

}  // namespace

std::string archive_file_name(std::uint64_t size) { return std::to_string(size) + std::string(kSuffix); }

Result<std::vector<ArchivedCheckpoint>> read_archive(const std::string& dir, const NoteVerifier& verifier) {
  auto listed = list_archive(dir);
  if (!listed) return listed.error();
  std::vector<ArchivedCheckpoint> out;
  out.reserve(listed->size());
  for (const auto& l : *listed) {
    auto a = open_archived(l, verifier);
    if (!a) return a.error();
    out.push_back(std::move(*a));
  }
  return out;
}

Result<PublishOutcome> publish_checkpoint(db::Db& db, const NoteSigner& signer, const std::string& dir) {
  assert(!db.in_transaction() && "publish_checkpoint inside a transaction");
  const NoteVerifier verifier = signer.verifier();
  if (auto st = ensure_dir(dir); !st) return st.error();
  auto listed = list_archive(dir);
  if (!listed) return listed.error();
  PublishOutcome out;
  if (!listed->empty()) {
    auto newest = open_archived(listed->back(), verifier);
    if (!newest) return newest.error();
    out.previous = std::move(*newest);
  }
  {
    // The checkpoint and the proof from the newest archived one read the same tree.
    ReadSnapshot snap(db);
    if (auto st = snap.begin(); !st) return st.error();
    auto now = current_checkpoint(db);
    if (!now) return now.error();
    out.checkpoint = std::move(*now);
    if (out.previous) {
      auto proof = prove_extends(db, out.previous->checkpoint, out.checkpoint, out.previous->file);
      if (!proof) return proof.error();
      out.proof_hashes = *proof;
    }
  }
  if (out.previous && out.previous->checkpoint.size == out.checkpoint.size) {
    out.file = out.previous->file;  // proven equal: the log has not grown since
    return out;
  }
  auto note = sign_note(out.checkpoint.body(), signer);
  if (!note) return note.error();
  const std::string name = archive_file_name(out.checkpoint.size);
  out.file = join(dir, name);
  if (auto st = write_new_file(dir, name, *note); !st) {
    if (st.error().code != "EXISTS") return st.error();
    // Another publisher wrote this size first: keep its file, and agree or refuse.
    auto theirs = open_archived(Listed{out.checkpoint.size, out.file}, verifier);
    if (!theirs) return theirs.error();
    if (theirs->checkpoint.root != out.checkpoint.root) {
      return Error("CHECKPOINT_MISMATCH",
                   out.file + " signs " + crypto::hex(theirs->checkpoint.root) +
                       "; the log's tree of that size hashes to " + crypto::hex(out.checkpoint.root),
                   out.file);
    }
    return out;
  }
  out.published = true;
  return out;
}

Result<boost::json::object> audit_log_against_archive(db::Db& db, const std::optional<Checkpoint>& against,
                                                      const std::string& dir, const std::string& origin,
                                                      const std::vector<ArchivedCheckpoint>& archive,
                                                      const std::vector<CosignatureVerifier>& witnesses) {
  ReadSnapshot snap(db);  // the audit, the current tree and every proof read one tree
  if (auto st = snap.begin(); !st) return st.error();
  auto log = log_origin(db);
  if (!log) return log.error();
  if (*log != origin) {
    return Error("LOG_ORIGIN_MISMATCH",
                 "the archive's checkpoints are of log '" + origin + "'; this database is log '" + *log + "'",
                 "checkpoints");
  }
  auto report = audit_log(db, against);
  if (!report) return report.error();
  // Taken out and put back last, after "checkpoints", as audit_log orders its report.
  boost::json::array problems = std::move(report->at("problems").as_array());
  report->erase("problems");

  const Result<Checkpoint> now = current_checkpoint(db);
  std::vector<bool> held(archive.size(), false);
  std::int64_t held_count = 0;
  for (std::size_t i = 0; i < archive.size(); ++i) {
    const auto& a = archive[i];
    if (!now) {
      problems.emplace_back(problem("CHECKPOINT_UNPROVEN", a, "the stored tree gives no root: " + now.error().message));
      continue;
    }
    auto proof = prove_extends(db, a.checkpoint, *now, a.file);
    if (proof) {
      held[i] = true;
      ++held_count;
    } else if (proof.error().code == "LOG_TRUNCATED" || proof.error().code == "CHECKPOINT_MISMATCH") {
      problems.emplace_back(problem(proof.error().code, a, proof.error().message));
    } else {
      problems.emplace_back(
          problem("CHECKPOINT_UNPROVEN", a, "no consistency proof from the stored tree: " + proof.error().message));
    }
  }
  std::int64_t pairs = 0;
  for (std::size_t i = 1; i < archive.size() && now; ++i) {
    const auto& p = archive[i - 1];
    const auto& c = archive[i];
    if (c.checkpoint.size > now->size) break;  // sorted: the log holds none of the rest
    auto proof = consistency_proof(db_node_source(db), p.checkpoint.size, c.checkpoint.size);
    if (!proof) continue;  // the stored tree cannot give it: a corrupt log, which the audit reports
    ++pairs;
    const bool consistent = static_cast<bool>(
        verify_consistency(p.checkpoint.size, c.checkpoint.size, p.checkpoint.root, c.checkpoint.root, *proof));
    if (!consistent && held[i]) {
      auto fork = problem("ARCHIVE_FORK", c,
                          c.file + " and " + p.file + " are both signed by the log key, and the tree of " + c.file +
                              " (which the log holds) does not have the tree of " + p.file + " as its first " +
                              std::to_string(p.checkpoint.size) + " leaves");
      fork["previous"] = p.file;
      problems.emplace_back(std::move(fork));
    }
  }

  boost::json::array witness_names;
  for (const auto& w : witnesses) {
    witness_names.emplace_back(w.name);
    for (const auto& a : archive) {
      auto t = open_cosignature(a.note, w);
      if (t) continue;
      const bool missing = t.error().code == "UNKNOWN_KEY";
      auto p =
          problem(missing ? "UNWITNESSED" : "BAD_COSIGNATURE", a,
                  a.file + (missing ? ": not cosigned by witness " : ": ") + (missing ? w.name : t.error().message));
      p["witness"] = w.name;
      problems.emplace_back(std::move(p));
    }
  }

  boost::json::object summary{{"dir", dir},
                              {"checked", static_cast<std::int64_t>(archive.size())},
                              {"held", held_count},
                              {"pairs_checked", pairs}};
  if (archive.empty()) {
    summary["newest_size"] = nullptr;
  } else {
    summary["newest_size"] = static_cast<std::int64_t>(archive.back().checkpoint.size);
  }
  summary["witnesses"] = std::move(witness_names);
  (*report)["checkpoints"] = std::move(summary);
  (*report)["ok"] = problems.empty();
  (*report)["problems"] = std::move(problems);
  return report;
}

}  // namespace chipreg::tlog
