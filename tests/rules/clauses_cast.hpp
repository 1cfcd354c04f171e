// Test support for the other clauses (RULES.md E1–V2): a standing cast of district
// enterprises, one per role the rules name, so each test states only its own facts.
#pragma once

#include <algorithm>
#include <string>

#include "rules/scenario_builder.hpp"

namespace chipreg::testing {

inline const std::string kEda = uscc(101);        // EDA developer (role eda)
inline const std::string kBuyer = uscc(102);      // any district enterprise
inline const std::string kSignoff = uscc(103);    // EDA tool developer, sign-off participant
inline const std::string kEquipment = uscc(104);  // IC equipment maker
inline const std::string kCenter = uscc(105);     // the AI computing centre
inline const std::string kExchange = uscc(106);   // the data exchange
inline const std::string kOwner = uscc(107);      // a dataset owner
inline const std::string kPlatform = uscc(108);   // a high-level platform
inline const std::string kOrganizer = uscc(109);  // an event organizer
inline std::string caller(int i) { return uscc(200 + i); }

inline Scenario clauses_scenario() {
  Scenario s;
  s.enterprise(kEda, "EDA研发E", {"eda"})
      .enterprise(kBuyer, "设计公司X", {"ic_design"})
      .enterprise(kSignoff, "EDA工具S", {"eda"})
      .enterprise(kEquipment, "装备Q", {"ic_equipment"})
      .enterprise(kCenter, "杭州人工智能计算中心", {"compute_center"})
      .enterprise(kExchange, "数据交易所D", {"data_exchange"})
      .enterprise(kOwner, "数据集所有者O", {"other"})
      .enterprise(kPlatform, "高能级平台P", {"other"})
      .enterprise(kOrganizer, "主办方V", {"other"});
  for (int i = 1; i <= 8; ++i) s.enterprise(caller(i), "调用方" + std::to_string(i), {"other"});
  s.product("T1", "eda_tool", kSignoff, "2024-01-10", true, "semiconductor_software");
  return s;
}

inline bool has_code(const std::vector<std::string>& codes, const std::string& code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

inline bool item_has(const rules::ClaimEvaluation& e, const std::string& code) {
  return std::any_of(e.items.begin(), e.items.end(),
                     [&](const rules::ItemVerdict& v) { return has_code(v.codes, code); });
}

inline bool trace_has(const rules::ClaimEvaluation& e, const std::string& text) {
  return std::any_of(e.trace.begin(), e.trace.end(),
                     [&](const std::string& t) { return t.find(text) != std::string::npos; });
}

}  // namespace chipreg::testing
