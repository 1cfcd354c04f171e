// The /v1/log answers (see log_answers.hpp).
#include "api/log_answers.hpp"

#include <boost/json.hpp>

#include "crypto/encoding.hpp"
#include "registry/log/store_log.hpp"

namespace chipreg::api {

using namespace tlog;

namespace {

Error bad_request(const std::string& message, std::string_view field) {
  return Error("BAD_REQUEST", message, std::string(field));
}

boost::json::array hex_path(const std::vector<Hash>& path) {
  boost::json::array out;
  out.reserve(path.size());
  for (const auto& h : path) out.emplace_back(crypto::hex(h));
  return out;
}

}  // namespace

Result<std::uint64_t> parse_log_number(std::string_view text, std::string_view field) {
  if (text.empty()) return bad_request("missing parameter " + std::string(field), field);
  if (text.size() > 18) return bad_request(std::string(field) + ": number too large", field);
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad_request(std::string(field) + ": not a non-negative decimal integer", field);
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

Result<std::string> checkpoint_response(db::Db& db, const NoteSigner& signer) {
  auto cp = current_checkpoint(db);
  if (!cp) return cp.error();
  return sign_note(cp->body(), signer);
}

std::string key_response(const NoteSigner& signer) { return signer.verifier().key_string(); }

Result<boost::json::object> entry_response(db::Db& db, std::string_view index) {
  auto i = parse_log_number(index, "index");
  if (!i) return i.error();
  auto e = read_entry(db, *i);
  if (!e) return e.error();
  return boost::json::object{{"index", e->index}, {"entry", crypto::base64(e->entry)}};
}

Result<boost::json::object> opening_response(db::Db& db, std::string_view index,
                                             const std::function<bool(const StoredEntry&)>& may_read) {
  auto i = parse_log_number(index, "index");
  if (!i) return i.error();
  auto e = read_entry(db, *i);
  if (!e) return e.error();
  if (!may_read(*e)) return Error("NOT_FOUND", "no log entry at index " + std::to_string(*i) + " that this caller may open", "index");
  boost::json::object out{{"index", e->index},      {"kind", e->kind},
                          {"ref", e->ref},          {"v", e->version()},
                          {"entry", crypto::base64(e->entry)}, {"opening", crypto::base64(e->opening)}};
  if (!e->salt.empty()) out["salt"] = crypto::hex(e->salt.data(), e->salt.size());
  return out;
}

Result<boost::json::object> inclusion_response(db::Db& db, std::string_view index, std::string_view size) {
  auto i = parse_log_number(index, "index");
  if (!i) return i.error();
  auto n = parse_log_number(size, "size");
  if (!n) return n.error();
  if (*i >= *n) {
    return bad_request("index " + std::to_string(*i) + " is not below size " + std::to_string(*n), "index");
  }
  auto have = tree_size(db);
  if (!have) return have.error();
  if (*n > *have) {
    return Error("NOT_FOUND", "tree size " + std::to_string(*n) + " is beyond the log's " + std::to_string(*have), "size");
  }
  auto nodes = db_node_source(db);
  auto leaf = nodes(0, *i);
  if (!leaf) return leaf.error();
  auto path = inclusion_proof(nodes, *i, *n);
  if (!path) return path.error();
  return boost::json::object{{"leaf_hash", crypto::hex(*leaf)}, {"path", hex_path(*path)}};
}

Result<boost::json::object> consistency_response(db::Db& db, std::string_view from, std::string_view to) {
  auto m = parse_log_number(from, "from");
  if (!m) return m.error();
  auto n = parse_log_number(to, "to");
  if (!n) return n.error();
  if (*m > *n) return bad_request("from " + std::to_string(*m) + " is greater than to " + std::to_string(*n), "from");
  auto have = tree_size(db);
  if (!have) return have.error();
  if (*n > *have) {
    return Error("NOT_FOUND", "tree size " + std::to_string(*n) + " is beyond the log's " + std::to_string(*have), "to");
  }
  auto path = consistency_proof(db_node_source(db), *m, *n);
  if (!path) return path.error();
  return boost::json::object{{"path", hex_path(*path)}};
}

}  // namespace chipreg::api
