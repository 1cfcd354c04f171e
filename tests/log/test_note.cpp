// C2SP signed notes and checkpoints: the shared signed-note vector, then our own round trips.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>

#include "crypto/digest.hpp"
#include "crypto/encoding.hpp"
#include "registry/log/note.hpp"
#include "support/temp_dir.hpp"

namespace tlog = chipreg::tlog;

namespace {

boost::json::object load_note_vector() {
  return boost::json::parse(chipreg::testing::read_file(std::string(CHIPREG_TEST_DATA) + "/vectors/signed-note.json"))
      .as_object();
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

}  // namespace

TEST_CASE("note: the vector's signed note opens with its verifier key") {
  auto vec = load_note_vector();
  auto verifier = tlog::parse_note_verifier(str(vec.at("verifier_key")));
  REQUIRE(verifier.ok());
  CHECK(verifier->name == "PeterNeumann");
  CHECK(verifier->key_hash == 0xc74f20a3u);
  CHECK(verifier->key_string() == str(vec.at("verifier_key")));
  auto text = tlog::open_note(str(vec.at("signed_note")), *verifier);
  REQUIRE(text.ok());
  CHECK(*text == str(vec.at("text")));
}

TEST_CASE("note: signing with the vector's signer key reproduces the signature byte for byte") {
  auto vec = load_note_vector();
  auto signer = tlog::parse_note_signer(str(vec.at("signer_key")));
  REQUIRE(signer.ok());
  CHECK(signer->key_string() == str(vec.at("signer_key")));
  CHECK(signer->verifier().key_string() == str(vec.at("verifier_key")));
  auto note = tlog::sign_note(str(vec.at("text")), *signer);
  REQUIRE(note.ok());
  CHECK(*note == str(vec.at("signed_note")));
}

TEST_CASE("note: a changed text, signature, name or key is refused") {
  auto vec = load_note_vector();
  auto verifier = tlog::parse_note_verifier(str(vec.at("verifier_key")));
  REQUIRE(verifier.ok());
  const std::string note = str(vec.at("signed_note"));
  std::string edited = note;
  edited[3] ^= 0x01;
  auto r = tlog::open_note(edited, *verifier);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "BAD_SIGNATURE");
  // Flip one bit inside the signature's base64 (a character well inside it).
  const auto sig_at = note.rfind(' ') + 20;
  std::string bad_sig = note;
  bad_sig[sig_at] = bad_sig[sig_at] == 'A' ? 'B' : 'A';
  CHECK_FALSE(tlog::open_note(bad_sig, *verifier).ok());
  auto other = tlog::generate_note_signer("PeterNeumann");
  REQUIRE(other.ok());
  auto unknown = tlog::open_note(note, other->verifier());
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == "UNKNOWN_KEY");
  CHECK(tlog::parse_note_verifier("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").error().code ==
        "BAD_KEY");
  CHECK_FALSE(tlog::parse_note_verifier("PeterNeumann+c74f20a3+AhpczQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").ok());
  CHECK_FALSE(tlog::sign_note("no newline", *other).ok());
  CHECK_FALSE(tlog::generate_note_signer("has space").ok());
  CHECK_FALSE(tlog::generate_note_signer("a+b").ok());
}

TEST_CASE("note: a note with a foreign cosignature still opens for our key") {
  auto ours = tlog::generate_note_signer("log.example/a");
  auto witness = tlog::generate_note_signer("witness.example");
  REQUIRE((ours.ok() && witness.ok()));
  auto signed_by_us = tlog::sign_note("hello\n", *ours);
  auto signed_by_witness = tlog::sign_note("hello\n", *witness);
  REQUIRE((signed_by_us.ok() && signed_by_witness.ok()));
  const std::string both = *signed_by_us + signed_by_witness->substr(std::string("hello\n\n").size());
  auto a = tlog::open_note(both, ours->verifier());
  REQUIRE(a.ok());
  CHECK(*a == "hello\n");
  CHECK(tlog::open_note(both, witness->verifier()).ok());
}

TEST_CASE(
    "cosignature: a witness's tlog-cosignature/v1 line is its key ID, the time and an Ed25519 signature of the "
    "header, the time line and the text") {
  using chipreg::crypto::Bytes;
  auto log = tlog::generate_note_signer("log.example/a");
  REQUIRE(log.ok());
  const std::string body = "log.example/a\n6\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  auto note = tlog::sign_note(body, *log);
  REQUIRE(note.ok());
  const Bytes seed(32, 0x2a);
  auto witness = tlog::cosigner_from_seed("witness.example/w1", seed);
  REQUIRE(witness.ok());
  const std::uint64_t t = 1679315147;

  auto cosigned = tlog::cosign_note(*note, *witness, t);
  REQUIRE(cosigned.ok());
  REQUIRE(cosigned->rfind(*note, 0) == 0);  // the log's note, unchanged, then one line
  const std::string line = cosigned->substr(note->size());
  const std::string prefix = "\xE2\x80\x94 witness.example/w1 ";
  REQUIRE(line.rfind(prefix, 0) == 0);
  REQUIRE(line.back() == '\n');
  auto blob = chipreg::crypto::unbase64(line.substr(prefix.size(), line.size() - prefix.size() - 1));
  REQUIRE(blob.ok());
  REQUIRE(blob->size() == 76);
  // Key ID: SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[0:4], computed here by hand.
  const Bytes pub = witness->key.public_key().raw_ed25519();
  const unsigned char sep[2] = {'\n', 0x04};
  const auto id =
      chipreg::crypto::Sha256().update("witness.example/w1").update(sep, 2).update(pub.data(), pub.size()).finish();
  CHECK(Bytes(blob->begin(), blob->begin() + 4) == Bytes(id.begin(), id.begin() + 4));
  // The time, 8 bytes big-endian.
  CHECK(Bytes(blob->begin() + 4, blob->begin() + 12) == Bytes{0, 0, 0, 0, 0x64, 0x18, 0x50, 0xcb});
  // The signature, over the message spelled out here.
  const Bytes sig(blob->begin() + 12, blob->end());
  CHECK(witness->key.public_key().verify("cosignature/v1\ntime 1679315147\n" + body, sig).ok());
  CHECK_FALSE(witness->key.public_key().verify(body, sig).ok());

  // Opened with the witness's vkey (type 0x04), which round-trips as a string.
  const std::string vkey = witness->verifier().key_string();
  auto verifier = tlog::parse_cosignature_verifier(vkey);
  REQUIRE(verifier.ok());
  CHECK(verifier->key_hash == witness->key_hash);
  auto opened = tlog::open_cosignature(*cosigned, *verifier);
  REQUIRE(opened.ok());
  CHECK(*opened == t);
  // The log's line still opens with the log's key.
  auto text = tlog::open_note(*cosigned, log->verifier());
  REQUIRE(text.ok());
  CHECK(*text == body);
}

TEST_CASE("cosignature: a missing, forged or retimed cosignature and a vkey of the wrong type are refused") {
  auto log = tlog::generate_note_signer("log.example/a");
  auto w1 = tlog::generate_cosigner("witness.example/w1");
  auto w2 = tlog::generate_cosigner("witness.example/w2");
  REQUIRE((log.ok() && w1.ok() && w2.ok()));
  auto note = tlog::sign_note("log.example/a\n6\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", *log);
  REQUIRE(note.ok());
  auto by_w1 = tlog::cosign_note(*note, *w1, 100);
  REQUIRE(by_w1.ok());
  // No line by w2.
  auto missing = tlog::open_cosignature(*by_w1, w2->verifier());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == "UNKNOWN_KEY");
  // The log's own signature is not a cosignature, even by a key of the same name and
  // material: the key ID differs by the type byte.
  auto same_key = tlog::cosigner_from_seed("log.example/a", log->key.raw_ed25519_seed());
  REQUIRE(same_key.ok());
  CHECK(tlog::open_cosignature(*note, same_key->verifier()).error().code == "UNKNOWN_KEY");
  // Another time under the same signature.
  std::string retimed = *by_w1;
  const auto at = retimed.rfind(' ') + 1;
  auto blob = chipreg::crypto::unbase64(retimed.substr(at, retimed.size() - at - 1));
  REQUIRE(blob.ok());
  (*blob)[11] ^= 0x01;
  retimed = retimed.substr(0, at) + chipreg::crypto::base64(*blob) + "\n";
  CHECK(tlog::open_cosignature(retimed, w1->verifier()).error().code == "BAD_SIGNATURE");
  // A cosignature carried over to another checkpoint.
  auto other = tlog::sign_note("log.example/a\n7\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", *log);
  REQUIRE(other.ok());
  const std::string moved = *other + by_w1->substr(note->size());
  CHECK(tlog::open_cosignature(moved, w1->verifier()).error().code == "BAD_SIGNATURE");
  // A note signer's vkey (type 0x01) is not a cosigner's, nor the other way round.
  CHECK(tlog::parse_cosignature_verifier(log->verifier().key_string()).error().code == "BAD_KEY");
  CHECK(tlog::parse_note_verifier(w1->verifier().key_string()).error().code == "BAD_KEY");
}

TEST_CASE("checkpoint: body round-trips and every single-bit change of a signed checkpoint is refused") {
  auto signer = tlog::generate_note_signer("chipreg.binjiang.example/log");
  REQUIRE(signer.ok());
  tlog::Checkpoint cp;
  cp.origin = signer->name;
  cp.size = 1234567;
  cp.root = tlog::leaf_hash("x");
  const std::string body = cp.body();
  CHECK(body.substr(0, body.find('\n')) == "chipreg.binjiang.example/log");
  auto parsed = tlog::parse_checkpoint(body);
  REQUIRE(parsed.ok());
  CHECK(parsed->size == 1234567);
  CHECK(parsed->root == cp.root);
  auto note = tlog::sign_note(body, *signer);
  REQUIRE(note.ok());
  auto opened = tlog::open_checkpoint(*note, signer->verifier());
  REQUIRE(opened.ok());
  CHECK(opened->size == cp.size);
  // The signed size and root are bound together: flipping any bit of the body fails.
  for (std::size_t i = 0; i < body.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = *note;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      CHECK_FALSE(tlog::open_checkpoint(bad, signer->verifier()).ok());
    }
  }
  CHECK_FALSE(tlog::parse_checkpoint("o\n012\nAAAA\n").ok());
  CHECK_FALSE(tlog::parse_checkpoint("o\n12\n").ok());
  auto other_origin = tlog::generate_note_signer("other.example/log");
  REQUIRE(other_origin.ok());
  auto foreign = tlog::sign_note(body, *other_origin);
  REQUIRE(foreign.ok());
  auto wrong = tlog::open_checkpoint(*foreign, other_origin->verifier());
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().field == "origin");
}
