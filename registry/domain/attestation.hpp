// Tape-out attestations: the in-toto Statement v1 carried in a DSSE envelope, with the
// predicate `urn:chipreg:predicate:tapeout:v1` (contract, "Signed tape-out attestation").
//
// Parsing here is the step *after* signature verification (crypto/dsse.hpp): it turns
// the verified payload bytes into a validated TapeoutStatement, or an Error with code
// BAD_STATEMENT whose `field` is the path of the offending value ("predicate.cost_fen",
// "subject[0].digest.sha256"). Unknown extra members anywhere are ignored, as in-toto
// requires of consumers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "registry/domain/facts.hpp"

namespace chipreg::attestation {

inline constexpr std::string_view kStatementType = "https://in-toto.io/Statement/v1";
inline constexpr std::string_view kTapeoutPredicateType = "urn:chipreg:predicate:tapeout:v1";

struct Subject {
  std::string name;                // may be empty (in-toto allows a nameless subject)
  std::optional<std::string> sha256;  // lowercase hex, 64 characters
  std::optional<std::string> sm3;     // lowercase hex, 64 characters
};

// Built by parse_statement() only (Uscc has no empty state, so neither has this).
struct TapeoutStatement {
  std::vector<Subject> subjects;   // at least one, each with a sha256 or sm3 digest
  Uscc foundry;
  Uscc design_owner;
  std::string product;
  Date date;
  TapeoutKind kind = TapeoutKind::kMpw;
  std::optional<std::string> mask_set_id;
  std::optional<std::string> process_node;
  std::optional<std::int64_t> wafer_size_mm;  // > 0 when present
  Money cost;                                 // >= 0

  // The design digest the registry keys "first tape-out" on: subject[0]'s sha256 as
  // "sha256:HEX", or its sm3 as "sm3:HEX" when it has no sha256.
  std::string design_digest() const;

  // The rules engine's fact (id as given; keyid/key_status left empty for the store).
  Tapeout to_fact(std::string id) const;
};

// Validates the payload bytes of a verified envelope. Checks, each with its field path:
//   the payload is a JSON object (empty or non-JSON payloads are rejected);
//   _type == kStatementType, predicateType == kTapeoutPredicateType;
//   subject: non-empty array; each subject[i] an object with an optional string name and
//     a digest object holding sha256 and/or sm3 as 64 hex digits (other algorithms are
//     allowed and ignored, but at least one of the two must be there);
//   predicate.foundry, predicate.design_owner: valid USCCs (check characters included);
//   predicate.product: non-empty string of at most 128 bytes;
//   predicate.date: an existing civil date "YYYY-MM-DD";
//   predicate.kind: "mpw", "engineering" or "production";
//   predicate.cost_fen: an integer in [0, 2^63-1] (a fraction, a negative number or a
//     larger integer is rejected, never rounded);
//   predicate.mask_set_id, predicate.process_node: strings or null/absent;
//   predicate.wafer_size_mm: a positive integer or null/absent.
Result<TapeoutStatement> parse_statement(std::string_view payload);

}  // namespace chipreg::attestation
