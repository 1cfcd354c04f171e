// Transparency log costs: proof generation at 1,000,000 leaves (p50/p99 per proof, target
// p99 < 1 ms) and what a log append adds to a purchase insert (target < 10 %), measured
// as the same purchase INSERT with and without the log's part of it in the same
// transaction, for one purchase per transaction (the HTTP path, POST /v1/purchases) and
// 1000 (bulk import).
#include <benchmark/benchmark.h>

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "registry/log/entries.hpp"
#include "api/log_answers.hpp"
#include "registry/log/store_log.hpp"
#include "registry/store/repository.hpp"
#include "registry/store/schema.hpp"
#include "registry/db/sqlite.hpp"

namespace {

using namespace chipreg;

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("chipreg-log-bench-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", ".logkey"}) std::filesystem::remove(path + suffix);
}

db::Db fresh_db(const std::string& path) {
  remove_db(path);
  auto db = db::Db::open(path);
  if (!db || !store::migrate(*db)) std::abort();
  return std::move(*db);
}

const Uscc kBuyer = *Uscc::complete("9133010800000001");
const Uscc kSeller = *Uscc::complete("9133010800000002");

void add_parties(db::Db& db) {
  auto tx = db::Tx::begin(db);
  if (!store::insert_enterprise(db, Enterprise{kBuyer, "b", true, {Role::kOem}}) ||
      !store::insert_enterprise(db, Enterprise{kSeller, "s", true, {Role::kIcDesign}}) ||
      !store::insert_product(db, Product{"P1", ProductKind::kChip, kSeller, true, std::nullopt, "", std::nullopt}) ||
      !tx->commit()) {
    std::abort();
  }
}

Purchase purchase(std::int64_t n) {
  return Purchase{"INV" + std::to_string(n / 1000), 1 + n % 1000, Date::ymd(2025, 3, 1), kBuyer, kSeller, "P1",
                  Money::fen(100000 + n), Money::fen(13000), std::nullopt};
}

constexpr const char* kCreatedAt = "2025-03-01T00:00:00Z";

// The purchase INSERT as the repository writes it, without the log: the row with its
// indexes and foreign keys, id chosen by SQLite.
class PlainWriter {
 public:
  explicit PlainWriter(db::Db& db)
      : ins_(db.prepare("INSERT INTO purchases(invoice, line, date, buyer, seller, product, amount_fen, tax_fen, "
                        "reverses_invoice, reverses_line, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)")
                 .value()) {}
  void write(const Purchase& p) {
    const std::string date = p.date.str();
    ins_.reset();
    ins_.bind_view(1, p.invoice).bind(2, p.line).bind_view(3, date).bind_view(4, p.buyer.str());
    ins_.bind_view(5, p.seller.str()).bind_view(6, p.product).bind(7, p.amount.fen()).bind(8, p.tax.fen());
    ins_.bind_view(9, kCreatedAt);
    if (!ins_.exec()) std::abort();
  }

 private:
  db::Stmt ins_;
};

// The same row as the repository writes it with the log (Repository::insert_purchase): the
// next leaf index read, the leaf built and hashed, the row carrying index, id and leaf
// hash, and the subtrees that leaf completes stored.
class LoggedWriter {
 public:
  explicit LoggedWriter(db::Db& db)
      : ins_(db.prepare("INSERT INTO purchases(id, invoice, line, date, buyer, seller, product, amount_fen, tax_fen, "
                        "reverses_invoice, reverses_line, log_index, leaf_hash, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?)")
                 .value()),
        appender_(db) {}
  void write(const Purchase& p) {
    auto next = appender_.next_index();
    if (!next) std::abort();
    const tlog::Hash leaf = tlog::leaf_hash(tlog::purchase_entry(p));
    const std::string date = p.date.str();
    ins_.reset();
    ins_.bind(1, *next + 1).bind_view(2, p.invoice).bind(3, p.line).bind_view(4, date).bind_view(5, p.buyer.str());
    ins_.bind_view(6, p.seller.str()).bind_view(7, p.product).bind(8, p.amount.fen()).bind(9, p.tax.fen());
    ins_.bind(10, *next).bind_blob_view(11, leaf.data(), leaf.size()).bind_view(12, kCreatedAt);
    if (!ins_.exec()) std::abort();
    if (!appender_.close_subtrees(*next, leaf)) std::abort();
  }
  tlog::Appender& appender() { return appender_; }

 private:
  db::Stmt ins_;
  tlog::Appender appender_;
};

// Proofs at one million leaves, nine in ten of them purchases (their own leaves) and one in
// ten a log_entries leaf, as in a registry: each proof timed on its own, random index / sizes.
void BM_ProofsAtOneMillion(benchmark::State& state) {
  constexpr std::int64_t kLeaves = 1000000;
  const std::string path = temp_path("million.db");
  db::Db db = fresh_db(path);
  add_parties(db);
  const auto t0 = std::chrono::steady_clock::now();
  LoggedWriter writer(db);
  std::int64_t purchases = 0;
  for (std::int64_t done = 0; done < kLeaves;) {
    auto tx = db::Tx::begin(db);
    for (int i = 0; i < 10000 && done < kLeaves; ++i, ++done) {
      if (done % 10 == 9) {
        const std::string entry = "{\"kind\":\"claim\",\"fact\":{\"n\":" + std::to_string(done) + "}}";
        if (!writer.appender().append(tlog::EntryKind::kClaim, std::to_string(done), entry, {})) std::abort();
      } else {
        writer.write(purchase(purchases++));
      }
    }
    if (!tx->commit()) std::abort();
  }
  const double append_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / kLeaves;

  std::mt19937_64 rng(1);
  std::vector<double> inclusion_us;
  std::vector<double> consistency_us;
  std::vector<double> checkpoint_us;
  std::vector<double> inclusion_cpu_us;
  std::vector<double> consistency_cpu_us;
  // CPU time of this thread: on a loaded machine the wall-time tail is mostly waiting to
  // be scheduled, which the proof itself does not cause.
  auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  };
  for (auto _ : state) {
    const std::uint64_t n = kLeaves;
    const std::string index = std::to_string(rng() % n);
    const std::string from = std::to_string(1 + rng() % (n - 1));
    const double ca = cpu_now();
    auto a = std::chrono::steady_clock::now();
    auto inc = chipreg::api::inclusion_response(db, index, std::to_string(n));
    auto b = std::chrono::steady_clock::now();
    const double cb = cpu_now();
    auto con = chipreg::api::consistency_response(db, from, std::to_string(n));
    auto c = std::chrono::steady_clock::now();
    const double cc = cpu_now();
    inclusion_cpu_us.push_back(cb - ca);
    consistency_cpu_us.push_back(cc - cb);
    auto cp = tlog::current_checkpoint(db);
    auto d = std::chrono::steady_clock::now();
    if (!inc || !con || !cp) std::abort();
    benchmark::DoNotOptimize(inc);
    inclusion_us.push_back(std::chrono::duration<double, std::micro>(b - a).count());
    consistency_us.push_back(std::chrono::duration<double, std::micro>(c - b).count());
    checkpoint_us.push_back(std::chrono::duration<double, std::micro>(d - c).count());
  }
  auto pct = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
  };
  state.counters["append_us"] = append_us;
  state.counters["incl_p50_us"] = pct(inclusion_us, 0.50);
  state.counters["incl_p99_us"] = pct(inclusion_us, 0.99);
  state.counters["cons_p50_us"] = pct(consistency_us, 0.50);
  state.counters["cons_p99_us"] = pct(consistency_us, 0.99);
  state.counters["root_p99_us"] = pct(checkpoint_us, 0.99);
  state.counters["incl_cpu_p99_us"] = pct(inclusion_cpu_us, 0.99);
  state.counters["cons_cpu_p99_us"] = pct(consistency_cpu_us, 0.99);
  remove_db(path);
}
BENCHMARK(BM_ProofsAtOneMillion)->Iterations(5000)->Unit(benchmark::kMicrosecond);

// What the log adds to a purchase insert: a transaction of `batch` purchases written by
// PlainWriter into one database and the same purchases by LoggedWriter into another,
// alternated in every iteration (which goes first alternates too), each transaction timed
// alone. Medians per purchase, so that the fsync's variance and the machine's drift fall
// on both sides alike.
void BM_LogAppendCost(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  const std::string plain_path = temp_path("plain.db");
  const std::string logged_path = temp_path("logged.db");
  db::Db plain_db = fresh_db(plain_path);
  db::Db logged_db = fresh_db(logged_path);
  add_parties(plain_db);
  add_parties(logged_db);
  PlainWriter plain(plain_db);
  LoggedWriter logged(logged_db);
  auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  };
  struct Times {
    std::vector<double> wall, cpu;
  } plain_t, logged_t;
  std::int64_t n = 0;
  bool plain_first = true;
  for (auto _ : state) {
    const std::int64_t first = n;
    n += batch;
    auto run = [&](db::Db& db, auto& writer, Times& t) {
      const double c0 = cpu_now();
      const auto w0 = std::chrono::steady_clock::now();
      auto tx = db::Tx::begin(db);
      for (std::int64_t k = first; k < first + batch; ++k) writer.write(purchase(k));
      if (!tx->commit()) std::abort();
      t.wall.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - w0).count() / batch);
      t.cpu.push_back((cpu_now() - c0) / batch);
    };
    if (plain_first) {
      run(plain_db, plain, plain_t);
      run(logged_db, logged, logged_t);
    } else {
      run(logged_db, logged, logged_t);
      run(plain_db, plain, plain_t);
    }
    plain_first = !plain_first;
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  state.counters["plain_us"] = median(plain_t.wall);
  state.counters["logged_us"] = median(logged_t.wall);
  state.counters["plain_cpu_us"] = median(plain_t.cpu);
  state.counters["logged_cpu_us"] = median(logged_t.cpu);
  state.counters["added_pct"] = 100.0 * (median(logged_t.wall) / median(plain_t.wall) - 1.0);
  state.counters["added_cpu_pct"] = 100.0 * (median(logged_t.cpu) / median(plain_t.cpu) - 1.0);
  remove_db(plain_path);
  remove_db(logged_path);
}
BENCHMARK(BM_LogAppendCost)->ArgName("batch")->Arg(1)->Iterations(20000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LogAppendCost)->ArgName("batch")->Arg(1000)->Iterations(300)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
