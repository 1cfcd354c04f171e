// End-to-end test support: a fresh registry (chipreg init) served by the real binary, with
// helpers to mint valid USCCs, make tokens, keys and signed tape-out envelopes.
#pragma once

#include <boost/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "e2e/http_client.hpp"
#include "e2e/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace chipreg::testing {

// A valid USCC (both check characters right) distinct for each `n`.
std::string mint_uscc(int n);

class Registry {
 public:
  // init + serve; `extra` goes to `chipreg serve`.
  explicit Registry(const std::vector<std::string>& extra = {});

  const TempDir& dir() const { return dir_; }
  const std::string& admin() const { return admin_; }
  const HttpClient& http() const { return *client_; }
  ServeProcess& server() { return *server_; }
  std::string db() const { return dir_.file("reg.db"); }
  std::string log_path() const { return dir_.file("serve.log"); }

  // POSTs and requires `status`; returns the parsed body (throws with the body otherwise).
  boost::json::value must(int status, const std::string& target, const boost::json::value& body, const std::string& token);
  // POST /v1/enterprises with the given roles.
  void enterprise(const std::string& uscc, const std::string& name, bool in_district, const std::vector<std::string>& roles);
  // POST /v1/tokens; returns the secret.
  std::string token(const std::string& role, const std::string& enterprise = "");
  // `chipreg keygen` into the temp dir; returns the prefix (PREFIX.key, PREFIX.pub).
  std::string keygen(const std::string& name, const std::string& alg = "ed25519");
  // `chipreg sign` of a tape-out statement; returns the envelope JSON text.
  std::string sign_tapeout(const std::string& key_prefix, const boost::json::object& predicate,
                           const std::string& gds_sha256_hex);

 private:
  TempDir dir_;
  std::string admin_;
  std::unique_ptr<ServeProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace chipreg::testing
