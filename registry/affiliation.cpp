// Affiliation (关联): the indexed equity graph and its local queries. See affiliation.hpp
// for the rule; the comments here say how the queries stay exact and local.
#include "registry/affiliation.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cassert>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace chipreg::affiliation {

namespace json = boost::json;

namespace {

struct Edge {
  int other;            // held (out-edges) or holder (in-edges)
  std::int64_t units;   // Rate units
  Date from;
  std::optional<Date> to;
  bool valid_on(Date d) const { return from <= d && (!to || d <= *to); }
};

// Compressed adjacency: the edges of node n are edges[offset[n] .. offset[n+1]).
struct Csr {
  std::vector<std::size_t> offset;
  std::vector<Edge> edges;
};

struct Contribution {
  Rate direct;
  std::int64_t total = 0;
  std::vector<std::pair<int, std::int64_t>> through;  // (intermediary node, its direct units)
  bool controlled = false;
  // The composition when the node became controlled: the proof that it is (a
  // justification that only uses intermediaries controlled before it, so proofs of
  // controlled nodes never loop).
  std::int64_t entry_direct = 0;
  std::vector<std::pair<int, std::int64_t>> entry_through;
};

class UnionFind {
 public:
  explicit UnionFind(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  std::size_t find(std::size_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  void unite(std::size_t a, std::size_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);
  }

 private:
  std::vector<std::size_t> parent_;
};

std::string relation_word(FamilyRelation r) { return std::string(to_string(r)); }

}  // namespace

struct Graph::Impl {
  std::unordered_map<std::string, int> enterprise_node;  // USCC -> node
  std::unordered_map<std::string, int> person_node;      // person id -> family-group node
  std::vector<std::string> labels;
  std::vector<std::string> keys;                          // USCC or "family:..." (for sorting)
  Csr out;                                                // holder -> held
  Csr in;                                                 // held -> holder
  std::size_t edge_count = 0;
  // Manual affiliations by unordered pair of enterprise nodes.
  std::map<std::pair<int, int>, std::vector<ManualAffiliation>> manual;

  int enterprise(const std::string& uscc, const std::string& name) {
    auto [it, inserted] = enterprise_node.emplace(uscc, static_cast<int>(labels.size()));
    if (inserted) {
      labels.push_back(name.empty() ? uscc : name + " (" + uscc + ")");
      keys.push_back(uscc);
    } else if (!name.empty() && labels[it->second] == uscc) {
      labels[it->second] = name + " (" + uscc + ")";
    }
    return it->second;
  }

  int node_of_holder(std::string_view holder) const {
    if (auto it = person_node.find(std::string(holder)); it != person_node.end()) return it->second;
    if (auto it = enterprise_node.find(std::string(holder)); it != enterprise_node.end()) return it->second;
    return -1;
  }
  int node_of_enterprise(std::string_view uscc) const {
    auto it = enterprise_node.find(std::string(uscc));
    return it == enterprise_node.end() ? -1 : it->second;
  }

  void build(const std::vector<Enterprise>& enterprises, const std::vector<Person>& persons,
             const std::vector<FamilyLink>& family, const std::vector<EquityEdge>& equity,
             const std::vector<ManualAffiliation>& manual_list) {
    enterprise_node.reserve(enterprises.size() + 16);
    for (const auto& e : enterprises) enterprise(e.uscc.str(), e.name);

    // Family groups: union-find over the links; one node per group.
    std::vector<const Person*> plist;
    std::unordered_map<std::string, std::size_t> pindex;
    for (const auto& p : persons) {
      if (pindex.emplace(p.id, plist.size()).second) plist.push_back(&p);
    }
    auto person_index = [&](const std::string& id) {
      auto [it, inserted] = pindex.emplace(id, plist.size());
      if (inserted) plist.push_back(nullptr);
      return it->second;
    };
    std::vector<std::string> pid(plist.size());
    for (std::size_t i = 0; i < plist.size(); ++i) pid[i] = plist[i]->id;
    for (const auto& e : equity) {
      if (e.holder_is_person) person_index(e.holder);
    }
    for (const auto& f : family) {
      person_index(f.a);
      person_index(f.b);
    }
    pid.resize(plist.size());
    for (const auto& [id, i] : pindex) pid[i] = id;
    UnionFind uf(plist.size());
    for (const auto& f : family) uf.unite(pindex[f.a], pindex[f.b]);
    std::map<std::size_t, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < plist.size(); ++i) groups[uf.find(i)].push_back(i);
    std::map<std::size_t, std::set<std::string>> relations;
    for (const auto& f : family) relations[uf.find(pindex[f.a])].insert(relation_word(f.relation));
    for (auto& [root, members] : groups) {
      std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) { return pid[a] < pid[b]; });
      std::string label;
      std::string key = "family:";
      for (std::size_t m : members) {
        label += (label.empty() ? "" : "+");
        label += plist[m] && !plist[m]->name.empty() ? plist[m]->name : pid[m];
        key += pid[m] + ",";
      }
      if (members.size() > 1) {
        std::string rel;
        for (const auto& r : relations[root]) rel += (rel.empty() ? "" : ", ") + r;
        label += " (family: " + rel + ")";
      } else {
        label += " (person " + pid[members[0]] + ")";
      }
      const int node = static_cast<int>(labels.size());
      labels.push_back(label);
      keys.push_back(key);
      for (std::size_t m : members) person_node[pid[m]] = node;
    }

    // Edges: resolve endpoints, then counting-sort into CSR both ways.
    struct Raw {
      int holder;
      int held;
      std::int64_t units;
      Date from;
      std::optional<Date> to;
    };
    std::vector<Raw> raw;
    raw.reserve(equity.size());
    for (const auto& e : equity) {
      const int holder = e.holder_is_person ? person_node.at(e.holder) : enterprise(e.holder, "");
      const int held = enterprise(e.held.str(), "");
      raw.push_back({holder, held, e.pct.units(), e.valid.from, e.valid.to});
    }
    const std::size_t n = labels.size();
    auto fill = [&](Csr& csr, bool forward) {
      csr.offset.assign(n + 1, 0);
      for (const auto& r : raw) ++csr.offset[(forward ? r.holder : r.held) + 1];
      for (std::size_t i = 0; i < n; ++i) csr.offset[i + 1] += csr.offset[i];
      csr.edges.assign(raw.size(), Edge{0, 0, Date(), std::nullopt});
      std::vector<std::size_t> next(csr.offset.begin(), csr.offset.end() - 1);
      for (const auto& r : raw) {
        const int from = forward ? r.holder : r.held;
        csr.edges[next[from]++] = Edge{forward ? r.held : r.holder, r.units, r.from, r.to};
      }
    };
    fill(out, true);
    fill(in, false);
    edge_count = raw.size();

    for (const auto& m : manual_list) {
      const int a = enterprise(m.a.str(), "");
      const int b = enterprise(m.b.str(), "");
      manual[{std::min(a, b), std::max(a, b)}].push_back(m);
    }
    // Nodes added by manual edges have no equity edges: extend the offsets.
    for (Csr* c : {&out, &in}) c->offset.resize(labels.size() + 1, c->offset.back());
  }

  // H(x, ·) on d: the fixed point of "x controls M" (H(x,M) >= t), grown from x's direct
  // holdings. Each controlled M contributes its direct shares once. Only x's controlled
  // region is visited.
  std::unordered_map<int, Contribution> forward(int x, Date d, std::int64_t t) const {
    std::unordered_map<int, Contribution> h;
    std::vector<int> queue;
    auto add = [&](int via, int y, std::int64_t units) {
      if (y == x) return;  // a holding of oneself through a cycle is no holding
      Contribution& c = h[y];
      if (via < 0) {
        c.direct = Rate::units(c.direct.units() + units);
      } else {
        c.through.emplace_back(via, units);
      }
      c.total += units;
      if (!c.controlled && c.total >= t) {
        c.controlled = true;
        c.entry_direct = c.direct.units();
        c.entry_through = c.through;
        queue.push_back(y);
      }
    };
    for (std::size_t i = out.offset[x]; i < out.offset[x + 1]; ++i) {
      const Edge& e = out.edges[i];
      if (e.valid_on(d)) add(-1, e.other, e.units);
    }
    for (std::size_t q = 0; q < queue.size(); ++q) {
      const int m = queue[q];
      for (std::size_t i = out.offset[m]; i < out.offset[m + 1]; ++i) {
        const Edge& e = out.edges[i];
        if (e.valid_on(d)) add(m, e.other, e.units);
      }
    }
    return h;
  }

  // Every node with a path of valid edges to `y` (its possible holders, direct or not).
  std::unordered_set<int> ancestors(int y, Date d) const {
    std::unordered_set<int> seen;
    std::vector<int> stack{y};
    while (!stack.empty()) {
      const int n = stack.back();
      stack.pop_back();
      for (std::size_t i = in.offset[n]; i < in.offset[n + 1]; ++i) {
        const Edge& e = in.edges[i];
        if (e.valid_on(d) && e.other != y && seen.insert(e.other).second) stack.push_back(e.other);
      }
    }
    return seen;
  }

  // "X holds 25.00% of Y: 10.00% directly + 15.00% through M (X holds 30.00% of M ...)"
  std::string describe(int x, int y, const std::unordered_map<int, Contribution>& h, bool use_entry, int depth,
                       json::array& chain) const {
    const Contribution& c = h.at(y);
    const std::int64_t direct = use_entry ? c.entry_direct : c.direct.units();
    const auto& through = use_entry ? c.entry_through : c.through;
    std::int64_t total = direct;
    for (const auto& [via, u] : through) total += u;
    std::string s = labels[x] + (keys[x].rfind("family:", 0) == 0 ? " hold " : " holds ") +
                    Rate::units(total).str() + " of " + labels[y];
    json::array via_json;
    std::string parts;
    if (direct > 0) parts = Rate::units(direct).str() + " directly";
    for (const auto& [via, u] : through) {
      parts += (parts.empty() ? "" : " + ") + Rate::units(u).str() + " through " + labels[via];
      std::string why;
      if (depth < 4) {
        why = describe(x, via, h, true, depth + 1, chain);
      } else {
        why = "...";
      }
      parts += " (" + why + ")";
      via_json.push_back(json::object{{"via", labels[via]}, {"pct", Rate::units(u).str()}});
    }
    if (!through.empty()) s += ": " + parts;
    chain.push_back(json::object{{"holder", labels[x]},
                                 {"held", labels[y]},
                                 {"pct", Rate::units(total).str()},
                                 {"direct", Rate::units(direct).str()},
                                 {"through", std::move(via_json)}});
    return s;
  }
};

Graph::Graph(const Facts& facts) : Graph(facts.enterprises, facts.persons, facts.family, facts.equity,
                                         facts.manual_affiliations) {}

Graph::Graph(const std::vector<Enterprise>& enterprises, const std::vector<Person>& persons,
             const std::vector<FamilyLink>& family, const std::vector<EquityEdge>& equity,
             const std::vector<ManualAffiliation>& manual)
    : impl_(std::make_unique<Impl>()) {
  impl_->build(enterprises, persons, family, equity, manual);
}

Graph::~Graph() = default;

std::size_t Graph::node_count() const { return impl_->labels.size(); }
std::size_t Graph::edge_count() const { return impl_->edge_count; }

std::string Graph::label(std::string_view holder) const {
  const int n = impl_->node_of_holder(holder);
  return n < 0 ? std::string(holder) : impl_->labels[n];
}

Holding Graph::holding(std::string_view holder, std::string_view held, Date d, Rate threshold) const {
  Holding out;
  const int x = impl_->node_of_holder(holder);
  const int y = impl_->node_of_enterprise(held);
  if (x < 0 || y < 0 || x == y) return out;
  const auto h = impl_->forward(x, d, threshold.units());
  auto it = h.find(y);
  if (it == h.end()) return out;
  out.total = Rate::units(it->second.total);
  out.direct = it->second.direct;
  for (const auto& [via, u] : it->second.through) out.through.push_back({impl_->labels[via], Rate::units(u)});
  return out;
}

Verdict Graph::affiliated(std::string_view a_code, std::string_view b_code, Date d, Rate threshold) const {
  Verdict v;
  const Impl& g = *impl_;
  const int a = g.node_of_enterprise(a_code);
  const int b = g.node_of_enterprise(b_code);
  if (a < 0 || b < 0) return v;
  if (a == b) {
    v.affiliated = true;
    v.basis = Basis::kHolding;
    v.proof = g.labels[a] + " is the same enterprise";
    return v;
  }
  const std::int64_t t = threshold.units();

  // 1. H(A,B) >= t or H(B,A) >= t.
  for (auto [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
    const auto h = g.forward(x, d, t);
    auto it = h.find(y);
    if (it != h.end() && it->second.total >= t) {
      v.affiliated = true;
      v.basis = Basis::kHolding;
      v.proof = g.describe(x, y, h, false, 0, v.chain);
      return v;
    }
  }

  // 2. A common third party. Any T with H(T,A) > 0 is an ancestor of A, so the
  // candidates are the common ancestors; each is checked by its own forward closure.
  // Sorted by key so that the proof does not depend on input order.
  const auto anc_a = g.ancestors(a, d);
  if (!anc_a.empty()) {
    const auto anc_b = g.ancestors(b, d);
    std::vector<int> common;
    for (int n : anc_a) {
      if (n != a && n != b && anc_b.count(n) != 0) common.push_back(n);
    }
    std::sort(common.begin(), common.end(), [&](int l, int r) { return g.keys[l] < g.keys[r]; });
    for (int tnode : common) {
      const auto h = g.forward(tnode, d, t);
      auto ia = h.find(a);
      auto ib = h.find(b);
      if (ia == h.end() || ib == h.end() || ia->second.total < t || ib->second.total < t) continue;
      v.affiliated = true;
      v.basis = Basis::kCommonHolder;
      const bool plural = g.keys[tnode].rfind("family:", 0) == 0;
      const bool detail = !ia->second.through.empty() || !ib->second.through.empty();
      std::string pa = g.describe(tnode, a, h, false, 0, v.chain);
      std::string pb = g.describe(tnode, b, h, false, 0, v.chain);
      v.proof = g.labels[tnode] + (plural ? " hold " : " holds ") + Rate::units(ia->second.total).str() + " of " +
                g.labels[a] + " and " + Rate::units(ib->second.total).str() + " of " + g.labels[b];
      if (detail) v.proof += " [" + pa + "; " + pb + "]";
      return v;
    }
  }

  // 3. A manual affiliation valid on d.
  if (auto it = g.manual.find({std::min(a, b), std::max(a, b)}); it != g.manual.end()) {
    for (const auto& m : it->second) {
      if (!m.valid.contains(d)) continue;
      v.affiliated = true;
      v.basis = Basis::kManual;
      v.proof = g.labels[a] + " and " + g.labels[b] + " are affiliated by reviewer record: " + m.basis + " (valid " +
                m.valid.from.str() + " to " + (m.valid.to ? m.valid.to->str() : "open") + ")";
      v.chain.push_back(json::object{{"manual", m.basis},
                                     {"from", m.valid.from.str()},
                                     {"to", m.valid.to ? json::value(m.valid.to->str()) : json::value(nullptr)}});
      return v;
    }
  }
  return v;
}

}  // namespace chipreg::affiliation
