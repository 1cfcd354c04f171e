// Affiliation (关联) between enterprises, per ../shared/policy/RULES.md and 国家税务总局公告
// 2016年第42号 art. 2 (shareholding part). Its own component so that clauses 7 and 8 (data
// trading, datasets) reuse it as clause 12 does.
//
//   H(X,Y)  = X's direct share of Y + Σ over intermediaries M with H(X,M) >= threshold of
//             M's *direct* share of Y (not multiplied), through chains of any length. The
//             set of such M is grown to a fixed point, so cross-holdings and cycles end.
//   Family: persons linked as spouse, parent/child, sibling or dependant are merged
//             (union-find) into one holder; their holdings in the same enterprise add up.
//   A ~ B on date d  iff  H(A,B) >= t, or H(B,A) >= t, or a third party T (enterprise,
//             person or family group) has H(T,A) >= t and H(T,B) >= t, or a manual
//             affiliation between A and B is valid on d. Co-owning a third enterprise is
//             not by itself an affiliation.
//   Override: a reviewer's finding that A and B were NOT affiliated, valid on d (a manual
//             affiliation with affiliated = false, recorded in answer to an objection),
//             decides before everything above: not affiliated, basis kFoundNotAffiliated,
//             the finding as the proof. The reviewer has seen evidence the registry's
//             edges do not hold (a transfer registered late, a stale end date).
//
// Only edges valid on the query date count. A query touches only the part of the graph
// around A and B: their holders' ancestors (reverse edges) and the enterprises each
// candidate controls (forward edges), never the whole graph.
#pragma once

#include <boost/json/array.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/domain/date.hpp"
#include "registry/domain/facts.hpp"
#include "registry/domain/rate.hpp"

namespace chipreg::affiliation {

enum class Basis { kNone, kHolding, kCommonHolder, kManual, kFoundNotAffiliated };

struct Verdict {
  bool affiliated = false;
  Basis basis = Basis::kNone;
  // The proof in one line, e.g. "P1+P2 (family: spouse) hold 25.00% of A and 25.00% of B"
  // or "A holds 25.00% of B: 10.00% directly + 15.00% through M (A holds 30.00% of M)".
  std::string proof;
  // The same as data: [{"holder", "held", "pct", "direct", "through": [{"via", "pct"}]}...]
  // plus {"manual": basis, "from", "to"} for a manual affiliation, and
  // {"not_affiliated": basis, "from", "to"} for a finding of non-affiliation.
  boost::json::array chain;
  // How many graph nodes the query looked at (a, b and their ancestors on the date): the
  // measure of its locality, which tests observe.
  std::size_t nodes_considered = 0;
};

// One holding H(X,Y) with how it is made up.
struct Holding {
  Rate total;                 // exact sum, may exceed 100% with odd data
  Rate direct;
  struct Via {
    std::string via;          // the controlled intermediary (display name)
    Rate pct;                 // its direct share of Y
  };
  std::vector<Via> through;
};

// The equity graph of one Facts, indexed once (CSR adjacency both ways). Thread-safe for
// concurrent queries (they only read).
class Graph {
 public:
  // Nodes are the enterprises named anywhere (listed or in equity/manual edges), and one
  // node per family group of persons. Names from facts label the proofs.
  explicit Graph(const Facts& facts);
  // The same from the parts (benchmarks build large graphs without a Facts).
  Graph(const std::vector<Enterprise>& enterprises, const std::vector<Person>& persons,
        const std::vector<FamilyLink>& family, const std::vector<EquityEdge>& equity,
        const std::vector<ManualAffiliation>& manual);
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // Whether enterprises `a` and `b` (USCCs) are affiliated on `d` at `threshold`, and why.
  // Unknown codes are simply unconnected. a == b is affiliated (trivially, basis kHolding).
  // Touches only a, b and their ancestors through edges valid on `d`.
  Verdict affiliated(std::string_view a, std::string_view b, Date d, Rate threshold) const;

  // The same verdict computed over the whole graph (every closure unrestricted). Slow;
  // it exists as the oracle that tests compare affiliated() against.
  Verdict affiliated_reference(std::string_view a, std::string_view b, Date d, Rate threshold) const;

  // H(holder, held) on `d` at `threshold`. `holder` is a USCC or a person id (its family
  // group is used). Zero when either is unknown.
  Holding holding(std::string_view holder, std::string_view held, Date d, Rate threshold) const;

  // The display label of a node: the enterprise name and USCC, or "P1+P2 (family: spouse)".
  std::string label(std::string_view holder) const;

  std::size_t node_count() const;
  std::size_t edge_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chipreg::affiliation
