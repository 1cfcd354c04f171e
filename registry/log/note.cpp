// C2SP signed notes and checkpoints (formats drawn in note.hpp).
#include "registry/log/note.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "crypto/encoding.hpp"

namespace chipreg::tlog {
namespace {

constexpr std::string_view kDash = "\xE2\x80\x94 ";  // "— ": U+2014 EM DASH, then a space
constexpr unsigned char kAlgEd25519 = 0x01;
constexpr unsigned char kAlgCosignatureV1 = 0x04;  // C2SP tlog-cosignature, Ed25519
constexpr std::string_view kCosignatureHeader = "cosignature/v1\n";
constexpr std::string_view kSignerPrefix = "PRIVATE+KEY+";

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c <= 0x20 || c == 0x7F || c == '+') return false;
  }
  return true;
}

std::string hex8(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

Result<std::uint32_t> parse_hex8(std::string_view text) {
  if (text.size() != 8) return Error("BAD_KEY", "key hash must be 8 hex digits");
  auto bytes = crypto::unhex(text);
  if (!bytes) return Error("BAD_KEY", "key hash must be 8 hex digits");
  return (std::uint32_t{(*bytes)[0]} << 24) | (std::uint32_t{(*bytes)[1]} << 16) | (std::uint32_t{(*bytes)[2]} << 8) |
         std::uint32_t{(*bytes)[3]};
}

// Splits "NAME+HEX8+BASE64(0x01 ‖ 32 bytes)" and checks the algorithm byte and length.
struct KeyParts {
  std::string name;
  std::uint32_t hash = 0;
  crypto::Bytes key32;
};

Result<KeyParts> split_key(std::string_view text, unsigned char alg = kAlgEd25519) {
  const auto p1 = text.find('+');
  const auto p2 = p1 == std::string_view::npos ? p1 : text.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return Error("BAD_KEY", "key string must be NAME+HASH+KEY");
  KeyParts parts;
  parts.name = std::string(text.substr(0, p1));
  if (!valid_name(parts.name)) return Error("BAD_KEY", "key name is empty or has '+', spaces or control characters");
  auto hash = parse_hex8(text.substr(p1 + 1, p2 - p1 - 1));
  if (!hash) return hash.error();
  parts.hash = *hash;
  auto raw = crypto::unbase64(text.substr(p2 + 1));
  if (!raw) return Error("BAD_KEY", "key material is not base64");
  if (raw->size() != 33 || (*raw)[0] != alg) {
    return Error("BAD_KEY", alg == kAlgEd25519 ? "key material must be 0x01 (Ed25519) followed by 32 bytes"
                                               : "key material must be 0x04 (cosignature/v1) followed by 32 bytes");
  }
  parts.key32.assign(raw->begin() + 1, raw->end());
  return parts;
}

std::string encode_key(std::string_view name, std::uint32_t hash, const crypto::Bytes& key32,
                       unsigned char alg = kAlgEd25519) {
  crypto::Bytes raw;
  raw.reserve(33);
  raw.push_back(alg);
  raw.insert(raw.end(), key32.begin(), key32.end());
  return std::string(name) + "+" + hex8(hash) + "+" + crypto::base64(raw);
}

Status check_text(std::string_view text) {
  if (text.empty() || text.back() != '\n') return Error("BAD_NOTE", "note text must be non-empty and end in a newline");
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\n') || c == 0x7F) return Error("BAD_NOTE", "note text holds a control character");
  }
  return Status::Ok();
}

bool canonical_decimal(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

// SHA-256(name ‖ 0x0A ‖ alg ‖ pubkey32)[0:4], big-endian.
std::uint32_t key_id(std::string_view name, unsigned char alg, const crypto::Bytes& pubkey32) {
  const unsigned char sep[2] = {'\n', alg};
  const Hash h = crypto::Sha256().update(name).update(sep, 2).update(pubkey32.data(), pubkey32.size()).finish();
  return (std::uint32_t{h[0]} << 24) | (std::uint32_t{h[1]} << 16) | (std::uint32_t{h[2]} << 8) | std::uint32_t{h[3]};
}

std::uint32_t be32(const crypto::Bytes& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) |
         std::uint32_t{b[at + 3]};
}

// A signed note split into its text and its signature lines (name, decoded blob), with
// the format checks every reader of a note makes.
struct SignatureLine {
  std::string_view name;
  crypto::Bytes blob;  // key ID (4 bytes) and what follows
};
struct SplitNote {
  std::string_view text;
  std::vector<SignatureLine> lines;
};

Result<SplitNote> split_note(std::string_view note) {
  if (note.empty() || note.back() != '\n') return Error("BAD_NOTE", "signed note must end in a newline");
  const auto split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Error("BAD_NOTE", "signed note has no blank line before its signatures");
  SplitNote out;
  out.text = note.substr(0, split + 1);
  if (auto st = check_text(out.text); !st) return st.error();
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return Error("BAD_NOTE", "signed note has no signatures");
  while (!sigs.empty()) {
    const auto eol = sigs.find('\n');
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);
    if (line.substr(0, kDash.size()) != kDash) return Error("BAD_NOTE", "signature line must start with \"— \"");
    line.remove_prefix(kDash.size());
    const auto space = line.find(' ');
    if (space == std::string_view::npos) return Error("BAD_NOTE", "signature line must be \"— NAME SIGNATURE\"");
    const std::string_view name = line.substr(0, space);
    if (!valid_name(name)) return Error("BAD_NOTE", "signature line names an invalid key name");
    auto blob = crypto::unbase64(line.substr(space + 1));
    if (!blob || blob->size() < 5) return Error("BAD_NOTE", "signature is not base64 of a key hash and a signature");
    out.lines.push_back({name, std::move(*blob)});
  }
  return out;
}

// The message a cosignature/v1 signs: the header, the time line, the checkpoint text.
std::string cosigned_message(std::string_view text, std::uint64_t timestamp) {
  std::string msg(kCosignatureHeader);
  msg += "time " + std::to_string(timestamp) + "\n";
  msg += text;
  return msg;
}

}  // namespace

std::uint32_t note_key_hash(std::string_view name, const crypto::Bytes& pubkey32) {
  return key_id(name, kAlgEd25519, pubkey32);
}

std::string NoteVerifier::key_string() const { return encode_key(name, key_hash, key.raw_ed25519()); }

NoteVerifier NoteSigner::verifier() const { return NoteVerifier{name, key_hash, key.public_key()}; }

std::string NoteSigner::key_string() const {
  return std::string(kSignerPrefix) + encode_key(name, key_hash, key.raw_ed25519_seed());
}

Result<NoteSigner> note_signer_from_seed(std::string_view name, const crypto::Bytes& seed32) {
  if (!valid_name(name)) return Error("BAD_KEY", "key name is empty or has '+', spaces or control characters");
  auto key = crypto::PrivateKey::ed25519_from_seed(seed32);
  if (!key) return key.error();
  const std::uint32_t hash = note_key_hash(name, key->public_key().raw_ed25519());
  return NoteSigner{std::string(name), hash, std::move(*key)};
}

Result<NoteSigner> generate_note_signer(std::string_view name) {
  auto seed = crypto::random_bytes(32);
  if (!seed) return seed.error();
  return note_signer_from_seed(name, *seed);
}

Result<NoteSigner> parse_note_signer(std::string_view skey) {
  if (skey.substr(0, kSignerPrefix.size()) != kSignerPrefix) {
    return Error("BAD_KEY", "signer key must start with PRIVATE+KEY+");
  }
  auto parts = split_key(skey.substr(kSignerPrefix.size()));
  if (!parts) return parts.error();
  auto signer = note_signer_from_seed(parts->name, parts->key32);
  if (!signer) return signer.error();
  if (signer->key_hash != parts->hash) return Error("BAD_KEY", "signer key hash does not match its key");
  return signer;
}

Result<NoteVerifier> parse_note_verifier(std::string_view vkey) {
  auto parts = split_key(vkey);
  if (!parts) return parts.error();
  if (note_key_hash(parts->name, parts->key32) != parts->hash) {
    return Error("BAD_KEY", "verifier key hash does not match its name and key");
  }
  auto key = crypto::PublicKey::ed25519_from_raw(parts->key32);
  if (!key) return key.error();
  return NoteVerifier{parts->name, parts->hash, std::move(*key)};
}

Result<std::string> sign_note(std::string_view text, const NoteSigner& signer) {
  if (auto st = check_text(text); !st) return st.error();
  auto sig = signer.key.sign(text);
  if (!sig) return sig.error();
  crypto::Bytes blob = {static_cast<unsigned char>(signer.key_hash >> 24), static_cast<unsigned char>(signer.key_hash >> 16),
                        static_cast<unsigned char>(signer.key_hash >> 8), static_cast<unsigned char>(signer.key_hash)};
  blob.insert(blob.end(), sig->begin(), sig->end());
  std::string out(text);
  out += "\n";
  out += kDash;
  out += signer.name + " " + crypto::base64(blob) + "\n";
  return out;
}

Result<std::string> open_note(std::string_view note, const NoteVerifier& verifier) {
  auto split = split_note(note);
  if (!split) return split.error();
  bool verified = false;
  for (const auto& line : split->lines) {
    if (line.name != verifier.name || be32(line.blob, 0) != verifier.key_hash) continue;  // someone else's signature
    const crypto::Bytes sig(line.blob.begin() + 4, line.blob.end());
    if (auto st = verifier.key.verify(split->text, sig); !st) {
      return Error("BAD_SIGNATURE", "signature by " + verifier.name + " does not verify");
    }
    verified = true;
  }
  if (!verified) return Error("UNKNOWN_KEY", "no signature by " + verifier.name + "+" + hex8(verifier.key_hash));
  return std::string(split->text);
}

// ---- witness cosignatures --------------------------------------------------------------

std::string CosignatureVerifier::key_string() const {
  return encode_key(name, key_hash, key.raw_ed25519(), kAlgCosignatureV1);
}

CosignatureVerifier Cosigner::verifier() const { return CosignatureVerifier{name, key_hash, key.public_key()}; }

Result<Cosigner> cosigner_from_seed(std::string_view name, const crypto::Bytes& seed32) {
  if (!valid_name(name)) return Error("BAD_KEY", "key name is empty or has '+', spaces or control characters");
  auto key = crypto::PrivateKey::ed25519_from_seed(seed32);
  if (!key) return key.error();
  const std::uint32_t hash = key_id(name, kAlgCosignatureV1, key->public_key().raw_ed25519());
  return Cosigner{std::string(name), hash, std::move(*key)};
}

Result<Cosigner> generate_cosigner(std::string_view name) {
  auto seed = crypto::random_bytes(32);
  if (!seed) return seed.error();
  return cosigner_from_seed(name, *seed);
}

Result<CosignatureVerifier> parse_cosignature_verifier(std::string_view vkey) {
  auto parts = split_key(vkey, kAlgCosignatureV1);
  if (!parts) return parts.error();
  if (key_id(parts->name, kAlgCosignatureV1, parts->key32) != parts->hash) {
    return Error("BAD_KEY", "verifier key hash does not match its name and key");
  }
  auto key = crypto::PublicKey::ed25519_from_raw(parts->key32);
  if (!key) return key.error();
  return CosignatureVerifier{parts->name, parts->hash, std::move(*key)};
}

Result<std::string> cosign_note(std::string_view note, const Cosigner& cosigner, std::uint64_t timestamp) {
  if (timestamp > kMaxCosignatureTime) return Error("BAD_NOTE", "a cosignature's time must be below 2^63");
  auto split = split_note(note);
  if (!split) return split.error();
  auto sig = cosigner.key.sign(cosigned_message(split->text, timestamp));
  if (!sig) return sig.error();
  crypto::Bytes blob(12);
  for (std::size_t i = 0; i < 4; ++i) blob[i] = static_cast<unsigned char>(cosigner.key_hash >> (24 - 8 * i));
  for (std::size_t i = 0; i < 8; ++i) blob[4 + i] = static_cast<unsigned char>(timestamp >> (56 - 8 * i));
  blob.insert(blob.end(), sig->begin(), sig->end());
  std::string out(note);
  out += kDash;
  out += cosigner.name + " " + crypto::base64(blob) + "\n";
  return out;
}

Result<std::uint64_t> open_cosignature(std::string_view note, const CosignatureVerifier& witness) {
  auto split = split_note(note);
  if (!split) return split.error();
  std::optional<std::uint64_t> time;
  for (const auto& line : split->lines) {
    if (line.name != witness.name || be32(line.blob, 0) != witness.key_hash) continue;
    if (line.blob.size() != 4 + 8 + 64) {
      return Error("BAD_SIGNATURE", "cosignature by " + witness.name + " is not a key ID, a time and a signature");
    }
    std::uint64_t t = 0;
    for (std::size_t i = 4; i < 12; ++i) t = (t << 8) | line.blob[i];
    if (t > kMaxCosignatureTime) {
      return Error("BAD_SIGNATURE", "cosignature by " + witness.name + " has a time past 2^63");
    }
    const crypto::Bytes sig(line.blob.begin() + 12, line.blob.end());
    if (auto st = witness.key.verify(cosigned_message(split->text, t), sig); !st) {
      return Error("BAD_SIGNATURE", "cosignature by " + witness.name + " does not verify");
    }
    time = std::max(time.value_or(0), t);
  }
  if (!time) return Error("UNKNOWN_KEY", "no cosignature by " + witness.name + "+" + hex8(witness.key_hash));
  return *time;
}

std::string Checkpoint::body() const {
  std::string out = origin + "\n" + std::to_string(size) + "\n" + crypto::base64(root.data(), root.size()) + "\n";
  for (const auto& e : extensions) out += e + "\n";
  return out;
}

Result<Checkpoint> parse_checkpoint(std::string_view body) {
  if (body.empty() || body.back() != '\n') return Error("BAD_NOTE", "checkpoint must end in a newline");
  std::vector<std::string_view> lines;
  for (std::string_view rest = body; !rest.empty();) {
    const auto eol = rest.find('\n');
    lines.push_back(rest.substr(0, eol));
    rest.remove_prefix(eol + 1);
  }
  if (lines.size() < 3) return Error("BAD_NOTE", "checkpoint needs origin, tree size and root lines");
  Checkpoint cp;
  cp.origin = std::string(lines[0]);
  if (cp.origin.empty()) return Error("BAD_NOTE", "checkpoint origin line is empty", "origin");
  if (!canonical_decimal(lines[1], cp.size)) return Error("BAD_NOTE", "checkpoint tree size is not a decimal number", "size");
  auto root = crypto::unbase64(lines[2]);
  if (!root || root->size() != 32 || crypto::base64(*root) != lines[2]) {
    return Error("BAD_NOTE", "checkpoint root is not the padded base64 of 32 bytes", "root");
  }
  std::copy(root->begin(), root->end(), cp.root.begin());
  for (std::size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return Error("BAD_NOTE", "checkpoint has an empty extension line");
    cp.extensions.emplace_back(lines[i]);
  }
  return cp;
}

Result<Checkpoint> open_checkpoint(std::string_view note, const NoteVerifier& verifier) {
  auto text = open_note(note, verifier);
  if (!text) return text.error();
  auto cp = parse_checkpoint(*text);
  if (!cp) return cp.error();
  if (cp->origin != verifier.name) {
    return Error("BAD_NOTE", "checkpoint origin '" + cp->origin + "' is not the key's log '" + verifier.name + "'", "origin");
  }
  return cp;
}

}  // namespace chipreg::tlog
