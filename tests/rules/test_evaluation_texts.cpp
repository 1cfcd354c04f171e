// evaluation_texts writes a claim's stored texts without building its lines as objects;
// these properties hold each text to its definition over generated evaluations.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <random>
#include <string>
#include <vector>

#include "registry/domain/canonical_json.hpp"
#include "registry/rules/evaluation.hpp"

using namespace chipreg;
namespace json = boost::json;

namespace {

std::string text(std::mt19937_64& rng, std::size_t max_len) {
  static const std::vector<std::string> pieces = {"\"", "\\", "/", "\x7f", "a", "Z", "0", " ", "发", "票", "🙂"};
  std::string out;
  const std::size_t n = rng() % (max_len + 1);
  for (std::size_t i = 0; i < n; ++i) {
    if (rng() % 5 == 0) {
      out += static_cast<char>(rng() % 0x20);
    } else {
      out += pieces[rng() % pieces.size()];
    }
  }
  return out;
}

rules::ClaimEvaluation generated(std::mt19937_64& rng, int round) {
  rules::ClaimEvaluation e;
  e.id = "C" + std::to_string(round);
  e.rule = round % 3 == 2 ? RuleId::kEdaPurchase : RuleId::kLinkage;
  e.claimant = text(rng, 18);
  e.year = 2024 + round % 3;
  if (e.rule == RuleId::kLinkage) e.group = round % 2 ? LinkageGroup::kChipModule : LinkageGroup::kDeviceMaterial;
  e.eligible = rng() % 2 == 0;
  e.computed = Money::fen(static_cast<std::int64_t>(rng() % 100000000000));
  e.award = Money::fen(static_cast<std::int64_t>(rng() % 100000000));
  if (rng() % 2) e.qualifying = Money::fen(static_cast<std::int64_t>(rng() % 1000000000));
  e.cap = Money::fen(5000000000);
  for (int i = static_cast<int>(rng() % 4); i > 0; --i) {
    e.reasons.push_back({text(rng, 8), json::object{{"scope", "lines"}, {"lines", json::array{text(rng, 6), 3}},
                                                   {text(rng, 4), static_cast<std::int64_t>(rng() % 1000)}}});
  }
  for (int i = static_cast<int>(rng() % 5); i > 0; --i) e.trace.push_back(text(rng, 30));
  if (e.rule == RuleId::kLinkage) {
    const int n = round == 0 ? 0 : static_cast<int>(rng() % 150);
    for (int i = 0; i < n; ++i) {
      rules::LineVerdict l;
      l.ref = InvoiceLineRef{text(rng, 20), static_cast<std::int64_t>(rng() % 1000)};
      l.date = Date::ymd(2025, 1 + static_cast<int>(rng() % 12), 1 + static_cast<int>(rng() % 28));
      l.product = text(rng, 10);
      l.amount = Money::fen(static_cast<std::int64_t>(rng() % 10000000) - 5000000);
      l.qualifies = rng() % 2 == 0;
      for (int c = static_cast<int>(rng() % 3); c > 0; --c) l.codes.push_back(text(rng, 12));
      if (rng() % 3 == 0) l.reverses = InvoiceLineRef{text(rng, 20), static_cast<std::int64_t>(rng() % 9)};
      if (rng() % 4 == 0) l.affiliation = text(rng, 40);
      e.lines.push_back(std::move(l));
    }
  } else {
    e.basis = Money::fen(static_cast<std::int64_t>(rng() % 1000000));
    rules::ItemVerdict it;
    it.id = text(rng, 6);
    it.qualifies = true;
    it.date = Date::ymd(2025, 3, 1);
    it.amount = Money::fen(1234);
    e.items.push_back(it);
    e.extra[text(rng, 6)] = json::array{1, "x", nullptr};
  }
  e.policy_version = text(rng, 10);
  return e;
}

}  // namespace

TEST_CASE("evaluation texts: each text is the serialization it is defined as, for every evaluation") {
  std::mt19937_64 rng(17);
  for (int round = 0; round < 300; ++round) {
    const rules::ClaimEvaluation e = generated(rng, round);
    const json::object whole = rules::to_json(e);
    const rules::EvaluationTexts t = rules::evaluation_texts(e);
    REQUIRE(t.text == json::serialize(whole));
    REQUIRE(t.canonical == canonical_json(whole));
    json::object summary = whole;
    summary.erase("lines");
    REQUIRE(t.summary == json::serialize(summary));
    if (e.rule != RuleId::kLinkage) {
      CHECK(t.line_spans.empty());
      continue;
    }
    const json::array& lines = whole.at("lines").as_array();
    REQUIRE(t.line_spans.size() == lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const auto [at, size] = t.line_spans[i];
      REQUIRE(t.text.substr(at, size) == json::serialize(lines[i]));
    }
  }
}
