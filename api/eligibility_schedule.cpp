// The scheduled eligibility run (see the header).
#include "api/eligibility_schedule.hpp"

#include <cstdio>
#include <string>

#include <boost/json.hpp>

#include "registry/db/clock.hpp"
#include "registry/store/entitlements.hpp"

namespace chipreg::api {

void EligibilitySchedule::start() { thread_ = std::thread([this] { loop(); }); }

void EligibilitySchedule::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EligibilitySchedule::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (wake_.wait_for(lock, every_, [this] { return stopping_; })) return;
    lock.unlock();
    run_once();
    lock.lock();
  }
}

namespace {
void print_line(const boost::json::object& o) {
  const std::string line = boost::json::serialize(o) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}
}  // namespace

void EligibilitySchedule::run_once() {
  std::vector<int> years = years_;
  if (years.empty()) {
    const int now = std::stoi(db::today_shanghai().substr(0, 4));
    years = {now - 1, now};
  }
  auto reader = pool_.acquire();
  if (!reader) return print_line({{"eligibility_error", reader.error().message}});
  auto writer = pool_.acquire();
  if (!writer) return print_line({{"eligibility_error", writer.error().message}});
  for (int year : years) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    store::EligibilityOptions o;
    o.year = year;
    o.actor = "serve:eligibility";
    auto run = store::run_eligibility(reader->db(), writer->db(), o);
    if (!run) {
      print_line({{"eligibility_error", run.error().message}, {"code", run.error().code}, {"year", year}});
      continue;
    }
    print_line({{"eligibility", store::to_json(*run)}});
  }
}

}  // namespace chipreg::api
