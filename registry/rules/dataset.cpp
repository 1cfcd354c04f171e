// Clause 8 — datasets used by non-affiliated enterprises (数据集流通), rule `dataset`.
//
// The owner of a dataset called in the year by more than 3 (超过3家: 3 itself excluded)
// district enterprises not affiliated with it gets up to 10% of the income of each such
// circulation (单次流通收益), at most 1,000,000.00 元 per owner per year across all its
// datasets. Parameters: dataset.more_than_callers, dataset.count, dataset.rate,
// dataset.cap_fen, affiliation.threshold, stacking.
//
// Interpretations (docs/RULES-ENGINE.md):
// - A caller's affiliation with the owner is judged on its call's date: each call is an
//   item (CALLER_NOT_IN_DISTRICT, AFFILIATED, POLICY_NOT_IN_FORCE).
// - `dataset.count = affiliation_groups`: the qualifying callers are grouped by the
//   transitive closure of affiliation between them, each pair judged on the later of
//   their last qualifying call dates; a group counts once. `callers` counts each caller.
//   The trace names the parameter whenever the grouping changed the count.
// - Every qualifying caller's circulations earn, whatever group it is in.
// - The series is (owner, year, dataset); approvals for the owner's other datasets in the
//   year count against the same cap.
#include <boost/json.hpp>

#include <map>
#include <numeric>

#include "registry/rules/clause.hpp"

namespace chipreg::rules {

namespace json = boost::json;

namespace {

// Groups `callers` (sorted USCCs, each with its last qualifying call date) by the
// transitive closure of affiliation; returns the group index of each caller, groups
// numbered by their first member. Writes each merging pair's proof to `proofs`.
std::vector<std::size_t> group_callers(const Context& ctx, const ClauseClaim& c,
                                       const std::vector<std::pair<const Uscc*, Date>>& callers,
                                       std::vector<std::string>& proofs) {
  std::vector<std::size_t> parent(callers.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (std::size_t i = 0; i < callers.size(); ++i) {
    for (std::size_t j = i + 1; j < callers.size(); ++j) {
      const Date on = std::max(callers[i].second, callers[j].second);
      auto v = affiliated(ctx, c, *callers[i].first, *callers[j].first, on);
      if (!v.affiliated) continue;
      proofs.push_back(callers[i].first->str() + " 与 " + callers[j].first->str() + " 于 " + on.str() +
                       " 关联: " + v.proof);
      const std::size_t a = find(i);
      const std::size_t b = find(j);
      if (a != b) parent[std::max(a, b)] = std::min(a, b);
    }
  }
  std::vector<std::size_t> root(callers.size());
  std::map<std::size_t, std::size_t> number;
  for (std::size_t i = 0; i < callers.size(); ++i) {
    const std::size_t r = find(i);
    root[i] = number.emplace(r, number.size()).first->second;
  }
  return root;
}

}  // namespace

Result<ClaimEvaluation> evaluate_dataset(const Context& ctx, const ClaimRequest& claim) {
  auto dit = claim.dataset ? ctx.datasets.find(*claim.dataset) : ctx.datasets.end();
  if (dit == ctx.datasets.end()) {
    return Error("UNKNOWN_REFERENCE", "no dataset '" + claim.dataset.value_or("") + "'", "dataset");
  }
  const Dataset& ds = *dit->second;
  auto opened = open_claim(ctx, claim, "第8条", claim.year, ctx.conventions.annual_date(claim.year));
  if (!opened) return opened.error();
  ClauseClaim& c = *opened;
  const policy::Parameters& prm = c.params();

  // Step 1: the claimant owns the dataset and is in the district.
  check_claimant(c, "数据集 " + ds.id + " 的所有者", ds.owner == claim.claimant);

  // Step 2: each call of the year, judged on its date.
  std::map<std::string, std::pair<const Uscc*, Date>> last_call;  // qualifying caller -> last date
  std::vector<const DatasetCall*> calls;
  if (auto it = ctx.calls_by_dataset.find(ds.id); it != ctx.calls_by_dataset.end()) calls = it->second;
  std::map<std::string, ItemVerdict> pending;  // by call id, until groups are known
  std::map<std::string, std::vector<std::string>> notes;
  for (const DatasetCall* call : calls) {
    if (call->date.year() != claim.year) continue;
    ItemVerdict item;
    item.id = call->id;
    item.date = call->date;
    item.amount = call->income;
    item.details["caller"] = call->caller.str();
    auto& n = notes[call->id];
    if (!policy_in_force(ctx, call->date)) {
      item.codes.push_back("POLICY_NOT_IN_FORCE");
      n.push_back("调用日期早于政策施行日");
    }
    const Enterprise* caller = ctx.enterprise(call->caller.str());
    if (caller == nullptr || !caller->in_district) {
      item.codes.push_back("CALLER_NOT_IN_DISTRICT");
      n.push_back("调用方 " + call->caller.str() + " 未注册在高新区(滨江)");
    }
    auto v = affiliated(ctx, c, ds.owner, call->caller, call->date);
    if (v.affiliated) {
      item.codes.push_back("AFFILIATED");
      item.affiliation = v.proof;
      n.push_back("调用方与所有者于 " + call->date.str() + " 关联: " + v.proof);
    }
    if (item.codes.empty()) {
      auto [it, fresh] = last_call.emplace(call->caller.str(), std::make_pair(&call->caller, call->date));
      if (!fresh) it->second.second = std::max(it->second.second, call->date);
    }
    pending.emplace(call->id, std::move(item));
  }

  // Step 3: the qualifying callers, grouped by affiliation between them.
  std::vector<std::pair<const Uscc*, Date>> callers;
  for (const auto& [code, cd] : last_call) callers.push_back(cd);
  std::vector<std::string> proofs;
  const std::vector<std::size_t> group = group_callers(ctx, c, callers, proofs);
  std::map<std::string, std::size_t> group_of_caller;
  std::size_t groups = 0;
  for (std::size_t i = 0; i < callers.size(); ++i) {
    group_of_caller[callers[i].first->str()] = group[i];
    groups = std::max(groups, group[i] + 1);
  }
  for (auto& [id, item] : pending) {
    const std::string caller(item.details["caller"].as_string());
    if (auto g = group_of_caller.find(caller); g != group_of_caller.end()) {
      item.details["group"] = static_cast<std::int64_t>(g->second + 1);
    }
    c.add_item(std::move(item), "数据集 " + ds.id + " 流通 " + id + " 调用方 " + caller, notes[id]);
  }
  c.close_items("数据集流通");
  json::array caller_groups(groups, json::array());
  for (std::size_t i = 0; i < callers.size(); ++i)
    caller_groups[group[i]].as_array().emplace_back(callers[i].first->str());
  c.e.extra["caller_groups"] = caller_groups;
  for (const auto& p : proofs) c.step("调用方之间关联: " + p);

  const bool by_groups = prm.dataset_count == policy::DatasetCount::kAffiliationGroups;
  const std::size_t counted = by_groups ? groups : callers.size();
  const auto more_than = static_cast<std::size_t>(prm.dataset_more_than_callers);
  c.e.extra["callers_counted"] = static_cast<std::int64_t>(counted);
  std::string count_step = "符合条件的调用方 " + std::to_string(callers.size()) + " 家, 相互关联者合并后 " +
                           std::to_string(groups) +
                           " 组; 按 dataset.count = " + std::string(policy::to_string(prm.dataset_count)) + " 计 " +
                           std::to_string(counted) + (counted > more_than ? " > " : " ≤ ") + std::to_string(more_than) +
                           " (dataset.more_than_callers, 超过不含本数)";
  const bool other_reading = (by_groups ? callers.size() : groups) > more_than;
  if (groups != callers.size() && other_reading != (counted > more_than)) {
    count_step += "; 按另一读法 (" + std::string(by_groups ? "callers" : "affiliation_groups") + ") 结论相反";
  }
  c.step(count_step);
  if (counted <= more_than) {
    c.fail("NOT_ENOUGH_CALLERS",
           {{"counted", static_cast<std::int64_t>(counted)},
            {"callers", static_cast<std::int64_t>(callers.size())},
            {"groups", static_cast<std::int64_t>(groups)},
            {"more_than", static_cast<std::int64_t>(more_than)}},
           "调用方未超过 " + std::to_string(more_than) + " 家");
  }
  auto basis = c.qualifying_sum();
  if (!basis) return basis.error();
  c.step("符合条件的单次流通收益合计 " + basis->str());

  // Step 4: rate, cap (the owner's year, all datasets), series, stacking.
  auto prior = prior_sums(ctx, claim, [&](const PriorApproval& a) {
    if (a.year != claim.year) return PriorKind::kNone;
    return a.dataset == claim.dataset ? PriorKind::kSeries : PriorKind::kOutside;
  });
  if (!prior) return prior.error();
  if (auto st = finish_award(ctx, c,
                             {*basis, prm.dataset_rate, "dataset.rate", prm.dataset_cap,
                              "每家企业每年最高 (全部数据集)", *prior, "本年度其他数据集"});
      !st) {
    return st.error();
  }
  return std::move(c.e);
}

}  // namespace chipreg::rules
