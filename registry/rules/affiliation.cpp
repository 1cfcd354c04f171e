// Affiliation (关联): the indexed equity graph and its local queries. See affiliation.hpp
// for the rule; the comments here say how the queries stay exact and local.
#include "registry/rules/affiliation.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cassert>
#include <map>
#include <numeric>
#include <set>
#include <tuple>
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
  // In-edges: the position of the same edge among the out-edges. A local query replays
  // each holder's edges in this order so that its fixed point grows exactly as a walk of
  // the whole graph would, and so builds the same proofs.
  std::size_t out_pos = 0;
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
  bool reached = false;  // some valid edge reached it (local closures keep every node)
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
    std::vector<std::size_t> out_pos(raw.size(), 0);
    auto fill = [&](Csr& csr, bool forward) {
      csr.offset.assign(n + 1, 0);
      for (const auto& r : raw) ++csr.offset[(forward ? r.holder : r.held) + 1];
      for (std::size_t i = 0; i < n; ++i) csr.offset[i + 1] += csr.offset[i];
      csr.edges.assign(raw.size(), Edge{0, 0, Date(), std::nullopt, 0});
      std::vector<std::size_t> next(csr.offset.begin(), csr.offset.end() - 1);
      for (std::size_t k = 0; k < raw.size(); ++k) {
        const Raw& r = raw[k];
        const int from = forward ? r.holder : r.held;
        csr.edges[next[from]++] = Edge{forward ? r.held : r.holder, r.units, r.from, r.to, out_pos[k]};
      }
      // The counting sort is stable, so out-edge k of the raw order lands at out_pos[k].
      if (forward) {
        std::vector<std::size_t> again(csr.offset.begin(), csr.offset.end() - 1);
        for (std::size_t k = 0; k < raw.size(); ++k) out_pos[k] = again[raw[k].holder]++;
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
  // `h(n)` is the contribution of node n in x's closure (whole-graph map or local arrays).
  template <class H>
  std::string describe(int x, int y, const H& h, bool use_entry, int depth, json::array& chain) const {
    const Contribution& c = h(y);
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

  bool manual_step(int a, int b, Date d, Verdict& v) const;
  bool found_not_affiliated(int a, int b, Date d, Verdict& v) const;
  template <class H>
  void common_holder_proof(int tnode, int a, int b, const H& h, Verdict& v) const;

  // The part of the graph an (a, b, d) query can depend on: a, b and every node with a
  // path of edges valid on d to either of them. It is closed under "holders of", so any
  // H(x, y) with x, y inside it is the same whether the fixed point runs here or on the
  // whole graph: a node outside never adds to a node inside. Built from in-edges only,
  // so a holder with a huge portfolio (a fund) costs no more than its stakes inside.
  struct Local {
    std::vector<int> nodes;                  // local index -> node
    std::unordered_map<int, int> index;      // node -> local index
    std::vector<std::uint8_t> mark;          // bit 1: ancestor of a, bit 2: ancestor of b
    std::vector<std::size_t> offset;         // local out-adjacency (valid edges only)
    struct LEdge {
      int held;                              // local index
      std::int64_t units;
    };
    std::vector<LEdge> edges;

    int add(int n) {
      auto [it, inserted] = index.emplace(n, static_cast<int>(nodes.size()));
      if (inserted) {
        nodes.push_back(n);
        mark.push_back(0);
      }
      return it->second;
    }
  };

  // Marks with `bit` every node with a path of valid edges to `y` (y itself only through a
  // cycle is left out, as in ancestors()).
  void mark_ancestors(Local& l, int y, Date d, std::uint8_t bit) const {
    std::vector<int> stack{y};
    while (!stack.empty()) {
      const int n = stack.back();
      stack.pop_back();
      for (std::size_t i = in.offset[n]; i < in.offset[n + 1]; ++i) {
        const Edge& e = in.edges[i];
        if (!e.valid_on(d) || e.other == y) continue;
        const int li = l.add(e.other);
        if ((l.mark[li] & bit) == 0) {
          l.mark[li] |= bit;
          stack.push_back(e.other);
        }
      }
    }
  }

  // The local out-adjacency: every valid in-edge of a local node, grouped by holder in the
  // whole graph's out-edge order.
  void link(Local& l, Date d) const {
    struct Found {
      std::size_t out_pos;
      int holder;
      int held;
      std::int64_t units;
    };
    std::vector<Found> found;
    for (std::size_t li = 0; li < l.nodes.size(); ++li) {
      const int n = l.nodes[li];
      for (std::size_t i = in.offset[n]; i < in.offset[n + 1]; ++i) {
        const Edge& e = in.edges[i];
        if (!e.valid_on(d)) continue;
        auto it = l.index.find(e.other);
        assert(it != l.index.end() && "the local set is closed under holders");
        if (it == l.index.end()) continue;
        found.push_back({e.out_pos, it->second, static_cast<int>(li), e.units});
      }
    }
    std::sort(found.begin(), found.end(), [](const Found& x, const Found& y) { return x.out_pos < y.out_pos; });
    l.offset.assign(l.nodes.size() + 1, 0);
    for (const Found& f : found) ++l.offset[f.holder + 1];
    for (std::size_t i = 0; i < l.nodes.size(); ++i) l.offset[i + 1] += l.offset[i];
    l.edges.assign(found.size(), Local::LEdge{0, 0});
    std::vector<std::size_t> next(l.offset.begin(), l.offset.end() - 1);
    for (const Found& f : found) l.edges[next[f.holder]++] = Local::LEdge{f.held, f.units};
  }

  // forward() restricted to the local graph: the same additions in the same order, for
  // the local nodes only. Indexed by local index; `through` names nodes (not local ids).
  std::vector<Contribution> forward_local(const Local& l, int x, std::int64_t t) const {
    std::vector<Contribution> h(l.nodes.size());
    std::vector<int> queue;
    auto add = [&](int via, int y, std::int64_t units) {
      if (y == x) return;  // a holding of oneself through a cycle is no holding
      Contribution& c = h[y];
      c.reached = true;
      if (via < 0) {
        c.direct = Rate::units(c.direct.units() + units);
      } else {
        c.through.emplace_back(l.nodes[via], units);
      }
      c.total += units;
      if (!c.controlled && c.total >= t) {
        c.controlled = true;
        c.entry_direct = c.direct.units();
        c.entry_through = c.through;
        queue.push_back(y);
      }
    };
    for (std::size_t i = l.offset[x]; i < l.offset[x + 1]; ++i) add(-1, l.edges[i].held, l.edges[i].units);
    for (std::size_t q = 0; q < queue.size(); ++q) {
      const int m = queue[q];
      for (std::size_t i = l.offset[m]; i < l.offset[m + 1]; ++i) add(m, l.edges[i].held, l.edges[i].units);
    }
    return h;
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

namespace {

// Steps shared by the local query and the whole-graph reference, so they cannot drift.
bool same_enterprise(const std::vector<std::string>& labels, int a, int b, Verdict& v) {
  if (a != b) return false;
  v.affiliated = true;
  v.basis = Basis::kHolding;
  v.proof = labels[a] + " is the same enterprise";
  return true;
}

}  // namespace

Holding Graph::holding(std::string_view holder, std::string_view held, Date d, Rate threshold) const {
  Holding out;
  const Impl& g = *impl_;
  const int x = g.node_of_holder(holder);
  const int y = g.node_of_enterprise(held);
  if (x < 0 || y < 0 || x == y) return out;
  // Only y's ancestors can add to H(x, y).
  Impl::Local l;
  g.mark_ancestors(l, y, d, 1);
  auto ix = l.index.find(x);
  if (ix == l.index.end()) return out;
  const int ly = l.add(y);
  g.link(l, d);
  const auto h = g.forward_local(l, ix->second, threshold.units());
  const Contribution& c = h[ly];
  out.total = Rate::units(c.total);
  out.direct = c.direct;
  for (const auto& [via, u] : c.through) out.through.push_back({g.labels[via], Rate::units(u)});
  return out;
}

// Manual affiliations come last: a holding proof, when there is one, is the better proof.
bool Graph::Impl::manual_step(int a, int b, Date d, Verdict& v) const {
  auto it = manual.find({std::min(a, b), std::max(a, b)});
  if (it == manual.end()) return false;
  for (const auto& m : it->second) {
    if (!m.affiliated || !m.valid.contains(d)) continue;
    v.affiliated = true;
    v.basis = Basis::kManual;
    v.proof = labels[a] + " and " + labels[b] + " are affiliated by reviewer record: " + m.basis + " (valid " +
              m.valid.from.str() + " to " + (m.valid.to ? m.valid.to->str() : "open") + ")";
    v.chain.push_back(json::object{{"manual", m.basis},
                                   {"from", m.valid.from.str()},
                                   {"to", m.valid.to ? json::value(m.valid.to->str()) : json::value(nullptr)}});
    return true;
  }
  return false;
}

// A reviewer's finding of non-affiliation valid on d overrides the holdings (header).
bool Graph::Impl::found_not_affiliated(int a, int b, Date d, Verdict& v) const {
  auto it = manual.find({std::min(a, b), std::max(a, b)});
  if (it == manual.end()) return false;
  for (const auto& m : it->second) {
    if (m.affiliated || !m.valid.contains(d)) continue;
    v.affiliated = false;
    v.basis = Basis::kFoundNotAffiliated;
    v.proof = labels[a] + " and " + labels[b] + " are not affiliated by reviewer finding: " + m.basis + " (valid " +
              m.valid.from.str() + " to " + (m.valid.to ? m.valid.to->str() : "open") + ")";
    v.chain.push_back(json::object{{"not_affiliated", m.basis},
                                   {"from", m.valid.from.str()},
                                   {"to", m.valid.to ? json::value(m.valid.to->str()) : json::value(nullptr)}});
    return true;
  }
  return false;
}

template <class H>
void Graph::Impl::common_holder_proof(int tnode, int a, int b, const H& h, Verdict& v) const {
  const Contribution& ca = h(a);
  const Contribution& cb = h(b);
  v.affiliated = true;
  v.basis = Basis::kCommonHolder;
  const bool plural = keys[tnode].rfind("family:", 0) == 0;
  const bool detail = !ca.through.empty() || !cb.through.empty();
  std::string pa = describe(tnode, a, h, false, 0, v.chain);
  std::string pb = describe(tnode, b, h, false, 0, v.chain);
  v.proof = labels[tnode] + (plural ? " hold " : " holds ") + Rate::units(ca.total).str() + " of " + labels[a] +
            " and " + Rate::units(cb.total).str() + " of " + labels[b];
  if (detail) v.proof += " [" + pa + "; " + pb + "]";
}

Verdict Graph::affiliated(std::string_view a_code, std::string_view b_code, Date d, Rate threshold) const {
  Verdict v;
  const Impl& g = *impl_;
  const int a = g.node_of_enterprise(a_code);
  const int b = g.node_of_enterprise(b_code);
  if (a < 0 || b < 0) return v;
  if (same_enterprise(g.labels, a, b, v)) return v;
  if (g.found_not_affiliated(a, b, d, v)) return v;
  const std::int64_t t = threshold.units();

  // Everything below runs on the local graph: a, b and their ancestors on d.
  Impl::Local l;
  g.mark_ancestors(l, a, d, 1);
  g.mark_ancestors(l, b, d, 2);
  const int la = l.add(a);
  const int lb = l.add(b);
  v.nodes_considered = l.nodes.size();
  g.link(l, d);
  auto local_h = [&](const std::vector<Contribution>& h) {
    return [&l, &h](int n) -> const Contribution& { return h[l.index.at(n)]; };
  };

  // 1. H(A,B) >= t or H(B,A) >= t; H(X,Y) > 0 needs X to be an ancestor of Y.
  for (auto [x, y, bit] : {std::tuple{la, lb, 2}, std::tuple{lb, la, 1}}) {
    if ((l.mark[x] & bit) == 0) continue;
    const auto h = g.forward_local(l, x, t);
    if (h[y].reached && h[y].total >= t) {
      v.affiliated = true;
      v.basis = Basis::kHolding;
      v.proof = g.describe(l.nodes[x], l.nodes[y], local_h(h), false, 0, v.chain);
      return v;
    }
  }

  // 2. A common third party: the common ancestors, each checked by its own closure, in
  // key order so that the proof does not depend on input order.
  std::vector<int> common;
  for (std::size_t i = 0; i < l.nodes.size(); ++i) {
    if (l.mark[i] == 3 && static_cast<int>(i) != la && static_cast<int>(i) != lb) common.push_back(static_cast<int>(i));
  }
  std::sort(common.begin(), common.end(), [&](int x, int y) { return g.keys[l.nodes[x]] < g.keys[l.nodes[y]]; });
  for (int tl : common) {
    const auto h = g.forward_local(l, tl, t);
    if (!h[la].reached || !h[lb].reached || h[la].total < t || h[lb].total < t) continue;
    g.common_holder_proof(l.nodes[tl], a, b, local_h(h), v);
    return v;
  }

  // 3. A manual affiliation valid on d.
  g.manual_step(a, b, d, v);
  return v;
}

Verdict Graph::affiliated_reference(std::string_view a_code, std::string_view b_code, Date d, Rate threshold) const {
  Verdict v;
  const Impl& g = *impl_;
  const int a = g.node_of_enterprise(a_code);
  const int b = g.node_of_enterprise(b_code);
  if (a < 0 || b < 0) return v;
  if (same_enterprise(g.labels, a, b, v)) return v;
  if (g.found_not_affiliated(a, b, d, v)) return v;
  const std::int64_t t = threshold.units();
  auto map_h = [](const std::unordered_map<int, Contribution>& h) {
    return [&h](int n) -> const Contribution& { return h.at(n); };
  };
  for (auto [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
    const auto h = g.forward(x, d, t);
    auto it = h.find(y);
    if (it != h.end() && it->second.total >= t) {
      v.affiliated = true;
      v.basis = Basis::kHolding;
      v.proof = g.describe(x, y, map_h(h), false, 0, v.chain);
      return v;
    }
  }
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
      g.common_holder_proof(tnode, a, b, map_h(h), v);
      return v;
    }
  }
  g.manual_step(a, b, d, v);
  return v;
}

}  // namespace chipreg::affiliation
