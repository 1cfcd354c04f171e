// DSSE (Dead Simple Signing Envelope, secure-systems-lab/dsse protocol v1.0.0): the
// pre-authentication encoding, the envelope's JSON form, signing and verification.
//
//   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
//   (SP = one 0x20 byte, LEN = ASCII decimal byte length, no leading zeros; body raw)
//
//   envelope = {"payload": b64(body), "payloadType": type,
//               "signatures": [{"keyid": "…" (optional hint), "sig": b64(signature)}, …]}
//
// Verification is over the PAE of the *decoded* payload and happens before anything
// interprets the payload: callers parse the statement only from a Verified result.
// base64 fields decode from the standard or the URL-safe alphabet, padded or not; we
// always write the standard alphabet with padding.
#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "crypto/keys.hpp"

namespace chipreg::crypto::dsse {

// The only payloadType chipreg accepts for tape-out attestations.
inline constexpr std::string_view kInTotoPayloadType = "application/vnd.in-toto+json";

// Limits on what an envelope may hold, checked by parse()/from_json() before anything is
// decoded further or verified (a tape-out statement is about 1 KiB and has one or two
// signers): more signatures is TOO_MANY_SIGNATURES, a larger decoded payload
// PAYLOAD_TOO_LARGE.
inline constexpr std::size_t kMaxSignatures = 8;
inline constexpr std::size_t kMaxPayloadBytes = 64 * 1024;

// The exact bytes that are signed.
std::string pae(std::string_view payload_type, std::string_view payload);

struct Signature {
  std::optional<std::string> keyid;  // a hint only; never trusted for the decision
  Bytes sig;
};

struct Envelope {
  std::string payload;       // decoded payload bytes (arbitrary, not necessarily UTF-8)
  std::string payload_type;
  std::vector<Signature> signatures;
};

// Parses the envelope JSON text or value. Error code BAD_ENVELOPE with the field path
// ("signatures[1].sig") for: not JSON, not an object, a missing or non-string payload /
// payloadType / sig, a non-string keyid, no signatures, undecodable base64 (standard and
// URL-safe alphabets accepted, mixing them is not). Unknown members are ignored. A repeated
// member name is DUPLICATE_KEY; the caps above are TOO_MANY_SIGNATURES, PAYLOAD_TOO_LARGE.
Result<Envelope> parse(std::string_view json);
Result<Envelope> from_json(const boost::json::value& v);

// {"payload", "payloadType", "signatures": [{"keyid"?, "sig"}]}, standard base64; keyid
// is written when present.
boost::json::object to_json(const Envelope& e);
std::string serialize(const Envelope& e);

// Signs PAE(payload_type, payload) with each key in turn (one signature per key, keyid
// set to the key's keyid). REQUIRES: !keys.empty().
Result<Envelope> sign(std::string_view payload_type, std::string_view payload,
                      std::span<const PrivateKey> keys);
Result<Envelope> sign(std::string_view payload_type, std::string_view payload, const PrivateKey& key);

// Which candidate keys vouched for an envelope.
struct Verified {
  // Indexes into the `candidates` passed to verify(), ascending, each at most once: two
  // signatures by the same key count once (a threshold counts distinct keys).
  std::vector<std::size_t> keys;
  // For each entry of keys, the index of the first signature that key verified.
  std::vector<std::size_t> signature_of_key;
};

// Checks every signature of `e` against the candidate keys. A signature whose keyid hint
// names a candidate is tried against that candidate first, then against the others (the
// hint is untrusted: a wrong or missing hint costs time, never correctness).
//
// Errors, checked in this order:
//   UNSUPPORTED_PAYLOAD_TYPE  e.payload_type != expected_payload_type
//   UNKNOWN_KEY               candidates is empty
//   BAD_SIGNATURE             no signature verifies under any candidate
// Signatures that verify under no candidate are ignored when another one verifies: a
// co-signer unknown to this registry does not invalidate the envelope.
Result<Verified> verify(const Envelope& e, std::span<const PublicKey> candidates,
                        std::string_view expected_payload_type = kInTotoPayloadType);

}  // namespace chipreg::crypto::dsse
