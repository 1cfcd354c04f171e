// Affiliation queries through the store, for bench/scale: for each of N random pairs of the
// generated district's enterprises (bench/scale/gen.py numbers them 0..E-1), read what the
// query needs by the store's indexed reads, as load_facts does for a claim (the equity edges
// into both and every ancestor they reach, the holders' family closure), build the local
// graph of those facts and ask whether the two are affiliated at 25 % on 2025-06-01.
//
//   scale_affiliation DB ENTERPRISES [QUERIES]     prints one JSON object:
//   {"queries", "p50_us", "p99_us", "max_us", "mean_edges", "affiliated"}
//
// The per-query time is the store reads plus the graph build and the query, so it shows
// whether a query's cost grows with the registry (it should not: only the neighbourhood
// is read).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "registry/domain/uscc.hpp"
#include "registry/rules/affiliation.hpp"
#include "registry/store/repository.hpp"

using namespace chipreg;

namespace {

std::string code_of(int i) {
  char prefix[17];
  std::snprintf(prefix, sizeof prefix, "91330108%08d", i);
  auto u = Uscc::complete(prefix);
  return u ? u->str() : std::string();
}

// The facts one query reads: ownership into `roots` and up, the persons' families.
struct Neighbourhood {
  std::vector<Enterprise> enterprises;
  std::vector<Person> persons;
  std::vector<FamilyLink> family;
  std::vector<EquityEdge> equity;
};

Result<Neighbourhood> read_neighbourhood(db::Db& db, const std::vector<Uscc>& roots) {
  Neighbourhood n;
  std::set<std::string> seen, people, links;
  std::deque<Uscc> queue;
  for (const auto& r : roots) {
    if (seen.insert(r.str()).second) queue.push_back(r);
  }
  std::deque<std::string> todo;
  while (!queue.empty()) {
    const Uscc held = queue.front();
    queue.pop_front();
    n.enterprises.push_back(Enterprise{held, held.str(), true, {}});
    auto edges = store::equity_into(db, held);
    if (!edges) return edges.error();
    for (auto& e : *edges) {
      if (e.holder_is_person) {
        if (people.insert(e.holder).second) todo.push_back(e.holder);
      } else if (seen.insert(e.holder).second) {
        auto u = Uscc::parse(e.holder);
        if (!u) return u.error();
        queue.push_back(*u);
      }
      n.equity.push_back(std::move(e));
    }
  }
  while (!todo.empty()) {
    const std::string p = todo.front();
    todo.pop_front();
    n.persons.push_back(Person{p, p});
    auto fam = store::family_links_of(db, p);
    if (!fam) return fam.error();
    for (auto& l : *fam) {
      if (!links.insert(l.a + "\t" + l.b).second) continue;
      for (const std::string* other : {&l.a, &l.b}) {
        if (people.insert(*other).second) todo.push_back(*other);
      }
      n.family.push_back(std::move(l));
    }
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: scale_affiliation DB ENTERPRISES [QUERIES]\n");
    return 2;
  }
  const int enterprises = std::stoi(argv[2]);
  const int queries = argc > 3 ? std::stoi(argv[3]) : 2000;
  auto db = db::Db::open(argv[1], db::DbOptions{.create = false, .read_only = true});
  if (!db) {
    std::fprintf(stderr, "%s\n", db.error().message.c_str());
    return 1;
  }
  std::mt19937 rnd(15);
  std::uniform_int_distribution<int> any(0, enterprises - 1);
  std::vector<double> us;
  std::size_t edges = 0, affiliated = 0;
  for (int q = 0; q < queries; ++q) {
    // Half the pairs in one group of 20 (gen.py's groups), half anywhere.
    const int a = any(rnd);
    const int b = q % 2 == 0 ? a - a % 20 + (a + 7) % 20 : any(rnd);
    auto ua = Uscc::parse(code_of(a)), ub = Uscc::parse(code_of(b));
    if (!ua || !ub) return 1;
    const auto t0 = std::chrono::steady_clock::now();
    auto n = read_neighbourhood(*db, {*ua, *ub});
    if (!n) {
      std::fprintf(stderr, "%s\n", n.error().message.c_str());
      return 1;
    }
    affiliation::Graph g(n->enterprises, n->persons, n->family, n->equity, {});
    const auto v = g.affiliated(ua->str(), ub->str(), Date::ymd(2025, 6, 1), Rate::percent(25));
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    edges += n->equity.size();
    affiliated += v.affiliated ? 1 : 0;
  }
  std::sort(us.begin(), us.end());
  auto pct = [&](double p) { return us[std::min(us.size() - 1, static_cast<std::size_t>(p * us.size()))]; };
  std::printf("{\"queries\":%d,\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"mean_edges\":%.1f,\"affiliated\":%zu}\n",
              queries, pct(0.50), pct(0.99), us.back(), static_cast<double>(edges) / queries, affiliated);
  return 0;
}
