// The end-to-end fixture: a served registry and helpers around the CLI.
#include "e2e/fixture.hpp"

#include <algorithm>

#include <stdexcept>

#include "registry/domain/uscc.hpp"
#include "support/process.hpp"

namespace chipreg::testing {
namespace json = boost::json;

std::string mint_uscc(int n) {
  for (int k = 0; k < 1000; ++k) {
    char body[16];
    std::snprintf(body, sizeof body, "MA%06d", n * 1000 + k);
    auto u = Uscc::complete(std::string("91330108") + body);
    if (u) return u->str();
  }
  throw std::runtime_error("cannot mint a USCC");
}

Registry::Registry(const std::vector<std::string>& extra) {
  auto init = run_chipreg({"init", "--db", db()});
  if (init.exit_code != 0) throw std::runtime_error("init failed: " + init.err);
  admin_ = std::string(json::parse(init.out).at("admin_token").as_string());
  std::vector<std::string> args = extra;
  if (std::find(args.begin(), args.end(), "--threads") == args.end()) {
    args.push_back("--threads");
    args.push_back("2");
  }
  server_ = std::make_unique<ServeProcess>(db(), log_path(), args);
  client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port(), server_->tls());
}

json::value Registry::must(int status, const std::string& target, const json::value& body, const std::string& token) {
  auto r = client_->post(target, body, token);
  if (r.status != status) {
    throw std::runtime_error("POST " + target + ": expected " + std::to_string(status) + ", got " +
                             std::to_string(r.status) + ": " + r.body);
  }
  return r.json();
}

void Registry::enterprise(const std::string& uscc, const std::string& name, bool in_district,
                          const std::vector<std::string>& roles) {
  json::array r;
  for (const auto& x : roles) r.push_back(json::value(x));
  must(201, "/v1/enterprises", json::object{{"uscc", uscc}, {"name", name}, {"in_district", in_district}, {"roles", r}}, admin_);
}

std::string Registry::token(const std::string& role, const std::string& enterprise) {
  json::object body{{"role", role}};
  if (!enterprise.empty()) body["enterprise"] = enterprise;
  return std::string(must(201, "/v1/tokens", body, admin_).at("token").as_string());
}

std::string Registry::keygen(const std::string& name, const std::string& alg) {
  const std::string prefix = dir_.file(name);
  auto r = run_chipreg({"keygen", "--alg", alg, "--out", prefix});
  if (r.exit_code != 0) throw std::runtime_error("keygen failed: " + r.err);
  return prefix;
}

std::string Registry::sign_tapeout(const std::string& key_prefix, const json::object& predicate,
                                   const std::string& gds_sha256_hex) {
  json::object statement{
      {"_type", "https://in-toto.io/Statement/v1"},
      {"subject", json::array{json::object{{"name", "gds/top.gds"}, {"digest", json::object{{"sha256", gds_sha256_hex}}}}}},
      {"predicateType", "urn:chipreg:predicate:tapeout:v1"},
      {"predicate", predicate}};
  const std::string path = dir_.file("statement-" + std::to_string(std::hash<std::string>()(json::serialize(statement))) + ".json");
  write_file(path, json::serialize(statement));
  auto r = run_chipreg({"sign", "--key", key_prefix + ".key", "--statement", path});
  if (r.exit_code != 0) throw std::runtime_error("sign failed: " + r.err);
  return r.out;
}

}  // namespace chipreg::testing
