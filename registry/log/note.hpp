// C2SP signed notes (golang.org/x/mod/sumdb/note) with Ed25519 keys, and the C2SP
// tlog-checkpoint body they carry.
//
// Signed note (UTF-8 text):
//
//   +-------------------------------------------+
//   | TEXT: one or more lines, each ending "\n" |   the signed message, byte for byte
//   | "\n"                                      |   a blank line
//   | "— " NAME " " BASE64(KEYHASH ‖ SIG) "\n"  |   one line per signature ("—" is U+2014)
//   +-------------------------------------------+
//
//   KEYHASH  4 bytes, big-endian: SHA-256(NAME ‖ 0x0A ‖ 0x01 ‖ PUBKEY)[0:4]
//   SIG      64-byte Ed25519 signature over TEXT
//
// Key strings:
//   verifier  NAME "+" HEX8(KEYHASH) "+" BASE64(0x01 ‖ PUBKEY32)
//   signer    "PRIVATE+KEY+" NAME "+" HEX8(KEYHASH) "+" BASE64(0x01 ‖ SEED32)
// NAME is non-empty and has no '+', whitespace or control characters.
//
// Checkpoint body (C2SP tlog-checkpoint):
//
//   ORIGIN "\n" TREE_SIZE (decimal, no leading zeros) "\n" BASE64(ROOT, 32 bytes) "\n"
//   [extension lines, each ending "\n"; carried but not interpreted]
//
// Witness cosignature (C2SP tlog-cosignature/v1, Ed25519), one more signature line:
//
//   "— " NAME " " BASE64(KEYID ‖ TIMESTAMP ‖ SIG) "\n"
//
//   KEYID      4 bytes, big-endian: SHA-256(NAME ‖ 0x0A ‖ 0x04 ‖ PUBKEY)[0:4]
//   TIMESTAMP  8 bytes, big-endian POSIX seconds, below 2^63
//   SIG        64-byte Ed25519 signature over
//              "cosignature/v1\n" "time " DECIMAL(TIMESTAMP) "\n" TEXT
//   verifier key  NAME "+" HEX8(KEYID) "+" BASE64(0x04 ‖ PUBKEY32)
//
// Errors: BAD_KEY (malformed key string or hash mismatch), BAD_NOTE (malformed note or
// checkpoint), BAD_SIGNATURE (a signature by the key does not verify), UNKNOWN_KEY (no
// signature by the verifier's name and key hash).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "crypto/keys.hpp"
#include "registry/log/merkle.hpp"

namespace chipreg::tlog {

struct NoteVerifier {
  std::string name;
  std::uint32_t key_hash = 0;
  crypto::PublicKey key;

  // NAME+HEX8+BASE64(0x01 ‖ pubkey): what GET /v1/log/key serves.
  std::string key_string() const;
};

struct NoteSigner {
  std::string name;
  std::uint32_t key_hash = 0;
  crypto::PrivateKey key;

  NoteVerifier verifier() const;
  // PRIVATE+KEY+NAME+HEX8+BASE64(0x01 ‖ seed): how the log key file stores the key.
  std::string key_string() const;
};

// SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pubkey32)[0:4], big-endian.
std::uint32_t note_key_hash(std::string_view name, const crypto::Bytes& pubkey32);

// A fresh Ed25519 signer named `name` (BAD_KEY if the name is not valid).
Result<NoteSigner> generate_note_signer(std::string_view name);
Result<NoteSigner> note_signer_from_seed(std::string_view name, const crypto::Bytes& seed32);
Result<NoteSigner> parse_note_signer(std::string_view skey);
Result<NoteVerifier> parse_note_verifier(std::string_view vkey);

// `text` followed by the blank line and one signature line by `signer`.
// REQUIRES nothing of the caller; BAD_NOTE if `text` is empty, does not end in "\n" or
// holds control characters other than "\n".
Result<std::string> sign_note(std::string_view text, const NoteSigner& signer);

// Verifies `note` against `verifier` and returns its text (everything before the blank
// line, including the final "\n"). Signatures by other keys are skipped: a note may carry
// witness cosignatures.
Result<std::string> open_note(std::string_view note, const NoteVerifier& verifier);

// ---- witness cosignatures (tlog-cosignature/v1) ------------------------------------------

inline constexpr std::uint64_t kMaxCosignatureTime = (std::uint64_t{1} << 63) - 1;

struct CosignatureVerifier {
  std::string name;
  std::uint32_t key_hash = 0;  // the key ID, with type byte 0x04
  crypto::PublicKey key;

  // NAME+HEX8+BASE64(0x04 ‖ pubkey): the vkey a witness publishes.
  std::string key_string() const;
};

// A witness's signing key. chipreg does not run a witness; this is for tests and for
// documenting, by working code, what a witness adds to a note.
struct Cosigner {
  std::string name;
  std::uint32_t key_hash = 0;
  crypto::PrivateKey key;

  CosignatureVerifier verifier() const;
};

Result<Cosigner> generate_cosigner(std::string_view name);
Result<Cosigner> cosigner_from_seed(std::string_view name, const crypto::Bytes& seed32);
// BAD_KEY unless NAME+HEX8+BASE64(0x04 ‖ 32 bytes) with a matching key ID.
Result<CosignatureVerifier> parse_cosignature_verifier(std::string_view vkey);

// `note` (a signed note; its text is what is cosigned) with the cosigner's line appended.
// BAD_NOTE if `note` is malformed or timestamp > kMaxCosignatureTime. It does not check
// the note's other signatures: a witness does that first (docs/LOG.md).
Result<std::string> cosign_note(std::string_view note, const Cosigner& cosigner, std::uint64_t timestamp);

// The time of `witness`'s cosignature on `note` (the latest, if it signed more than once).
// UNKNOWN_KEY if there is none; BAD_SIGNATURE if one by its name and key ID does not
// verify; BAD_NOTE if the note is malformed. Other signature lines are skipped.
Result<std::uint64_t> open_cosignature(std::string_view note, const CosignatureVerifier& witness);

struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // extra lines, without their "\n"

  std::string body() const;
};

// Parses a checkpoint body (the text of the note, not the signed note).
Result<Checkpoint> parse_checkpoint(std::string_view body);

// open_note + parse_checkpoint; also checks that the origin is the verifier's name, so a
// checkpoint of another log signed with a reused key is not taken for this one.
Result<Checkpoint> open_checkpoint(std::string_view note, const NoteVerifier& verifier);

}  // namespace chipreg::tlog
