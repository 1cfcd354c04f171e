// C2SP signed notes and checkpoints: the shared signed-note vector, then our own round trips.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>

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
