// DSSE envelopes: PAE, JSON codec, signing and verification (see dsse.hpp).
#include "crypto/dsse.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "crypto/encoding.hpp"
#include "crypto/strict_json.hpp"

namespace chipreg::crypto::dsse {
namespace json = boost::json;

std::string pae(std::string_view payload_type, std::string_view payload) {
  std::string out;
  out.reserve(payload_type.size() + payload.size() + 32);
  out += "DSSEv1 ";
  out += std::to_string(payload_type.size());
  out += ' ';
  out += payload_type;
  out += ' ';
  out += std::to_string(payload.size());
  out += ' ';
  out += payload;
  return out;
}

namespace {

Error bad(const std::string& field, const std::string& message) {
  return Error("BAD_ENVELOPE", field + ": " + message, field);
}

Result<std::string_view> member_string(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return bad(path, "missing");
  if (!v->is_string()) return bad(path, "must be a string");
  const json::string& s = v->get_string();
  return std::string_view(s.data(), s.size());
}

}  // namespace

Result<Envelope> from_json(const json::value& v) {
  if (!v.is_object()) return bad("envelope", "must be a JSON object");
  const json::object& o = v.get_object();
  Envelope e;
  auto payload = member_string(o, "payload", "payload");
  if (!payload) return payload.error();
  // Caps first, before decoding and long before any signature is checked: verifying costs
  // CPU in the registry's single write queue, and an envelope may name any number of them.
  if (payload->size() > (kMaxPayloadBytes + 2) / 3 * 4 + 4) {
    return Error("PAYLOAD_TOO_LARGE", "payload: larger than " + std::to_string(kMaxPayloadBytes) + " bytes", "payload");
  }
  auto decoded = unbase64(*payload);
  if (!decoded) return bad("payload", decoded.error().message);
  if (decoded->size() > kMaxPayloadBytes) {
    return Error("PAYLOAD_TOO_LARGE", "payload: larger than " + std::to_string(kMaxPayloadBytes) + " bytes", "payload");
  }
  e.payload.assign(decoded->begin(), decoded->end());
  auto type = member_string(o, "payloadType", "payloadType");
  if (!type) return type.error();
  e.payload_type = std::string(*type);

  const json::value* sigs = o.if_contains("signatures");
  if (sigs == nullptr) return bad("signatures", "missing");
  if (!sigs->is_array()) return bad("signatures", "must be an array");
  if (sigs->get_array().empty()) return bad("signatures", "must hold at least one signature");
  if (sigs->get_array().size() > kMaxSignatures) {
    return Error("TOO_MANY_SIGNATURES",
                 "signatures: " + std::to_string(sigs->get_array().size()) + " signatures, at most " +
                     std::to_string(kMaxSignatures) + " are accepted",
                 "signatures");
  }
  std::size_t i = 0;
  for (const json::value& s : sigs->get_array()) {
    const std::string path = "signatures[" + std::to_string(i++) + "]";
    if (!s.is_object()) return bad(path, "must be an object");
    const json::object& so = s.get_object();
    Signature sig;
    if (const json::value* k = so.if_contains("keyid"); k != nullptr && !k->is_null()) {
      if (!k->is_string()) return bad(path + ".keyid", "must be a string");
      if (!k->get_string().empty()) sig.keyid = std::string(k->get_string());
    }
    auto text = member_string(so, "sig", path + ".sig");
    if (!text) return text.error();
    auto bytes = unbase64(*text);
    if (!bytes) return bad(path + ".sig", bytes.error().message);
    if (bytes->empty()) return bad(path + ".sig", "empty signature");
    sig.sig = std::move(*bytes);
    e.signatures.push_back(std::move(sig));
  }
  return e;
}

Result<Envelope> parse(std::string_view text) {
  StrictJsonOptions options;
  options.max_decimals = -1;  // an envelope holds no numbers we read
  auto v = parse_strict_json(text, options);
  if (!v && v.error().code == "DUPLICATE_KEY") return v.error();
  if (!v) return bad("envelope", "not valid JSON (" + v.error().message + ")");
  return from_json(*v);
}

json::object to_json(const Envelope& e) {
  json::object o;
  o["payload"] = base64(e.payload);
  o["payloadType"] = e.payload_type;
  json::array sigs;
  for (const Signature& s : e.signatures) {
    json::object so;
    if (s.keyid) so["keyid"] = *s.keyid;
    so["sig"] = base64(s.sig);
    sigs.push_back(std::move(so));
  }
  o["signatures"] = std::move(sigs);
  return o;
}

std::string serialize(const Envelope& e) { return json::serialize(to_json(e)); }

Result<Envelope> sign(std::string_view payload_type, std::string_view payload, std::span<const PrivateKey> keys) {
  assert(!keys.empty());
  Envelope e;
  e.payload = std::string(payload);
  e.payload_type = std::string(payload_type);
  const std::string message = pae(payload_type, payload);
  for (const PrivateKey& k : keys) {
    auto sig = k.sign(message);
    if (!sig) return sig.error();
    e.signatures.push_back({k.public_key().keyid(), std::move(*sig)});
  }
  return e;
}

Result<Envelope> sign(std::string_view payload_type, std::string_view payload, const PrivateKey& key) {
  return sign(payload_type, payload, std::span<const PrivateKey>(&key, 1));
}

Result<Verified> verify(const Envelope& e, std::span<const PublicKey> candidates,
                        std::string_view expected_payload_type) {
  // The type is part of the signed PAE, so a swapped type would fail verification anyway;
  // checking it first gives the caller the precise reason.
  if (e.payload_type != expected_payload_type) {
    return Error("UNSUPPORTED_PAYLOAD_TYPE", "payloadType '" + e.payload_type.substr(0, 80) +
                                                 "' is not supported (expected '" +
                                                 std::string(expected_payload_type) + "')",
                 "payloadType");
  }
  if (candidates.empty()) return Error("UNKNOWN_KEY", "no candidate key to verify the envelope with");
  const std::string message = pae(e.payload_type, e.payload);
  std::vector<bool> vouched(candidates.size(), false);
  std::vector<std::size_t> first_sig(candidates.size(), 0);
  std::string last_reason;
  for (std::size_t s = 0; s < e.signatures.size(); ++s) {
    const Signature& sig = e.signatures[s];
    // Try the hinted candidate first, then every other one not yet vouching.
    std::vector<std::size_t> order;
    order.reserve(candidates.size());
    if (sig.keyid) {
      for (std::size_t k = 0; k < candidates.size(); ++k) {
        if (candidates[k].keyid() == *sig.keyid) order.push_back(k);
      }
    }
    for (std::size_t k = 0; k < candidates.size(); ++k) {
      if (std::find(order.begin(), order.end(), k) == order.end()) order.push_back(k);
    }
    for (std::size_t k : order) {
      if (vouched[k]) continue;
      Status st = candidates[k].verify(message, sig.sig);
      if (st) {
        vouched[k] = true;
        first_sig[k] = s;
        break;
      }
      last_reason = st.error().message;
    }
  }
  Verified out;
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    if (vouched[k]) {
      out.keys.push_back(k);
      out.signature_of_key.push_back(first_sig[k]);
    }
  }
  if (out.keys.empty()) {
    return Error("BAD_SIGNATURE", "no signature of the envelope verifies under " +
                                      std::string(candidates.size() == 1 ? "the key" : "any candidate key") +
                                      (last_reason.empty() ? "" : " (" + last_reason + ")"),
                 "signatures");
  }
  return out;
}

}  // namespace chipreg::crypto::dsse
