// The policy versions the engine knows, as data. Adding the next policy (or correcting a
// parameter from a given date) means adding an object to "versions" here: a version
// lists only the parameters that differ from the version before it.
//
// binjiang-ic-2024: 《杭州高新区（滨江）关于推动集成电路和人工智能产业高质量发展的若干政策》
// as read in ../../shared/policy/RULES.md, in force from 2024-06-25.
#include <string_view>

namespace chipreg::policy {

extern const std::string_view kVersionsJson;

const std::string_view kVersionsJson = R"json({
  "versions": [
    {
      "id": "binjiang-ic-2024",
      "title": "高新区(滨江) 2024 集成电路与人工智能产业政策",
      "effective": "2024-06-25",
      "until": null,
      "parameters": {
        "linkage.chip_module.threshold_fen": 300000000,
        "linkage.chip_module.rate": 30,
        "linkage.chip_module.cap_fen": 150000000,
        "linkage.device_material.threshold_fen": 500000000,
        "linkage.device_material.step_fen": 500000000,
        "linkage.device_material.award_per_step_fen": 10000000,
        "linkage.device_material.cap_fen": 100000000,
        "linkage.first_listed_window_months": 36,
        "linkage.amount_basis": "tax_inclusive",
        "tapeout.split_fen": 1000000000,
        "tapeout.large.rate": 15,
        "tapeout.large.cap_fen": 2000000000,
        "tapeout.small.rate": 30,
        "tapeout.small.cap_fen": 300000000,
        "tapeout.boundary": "favorable",
        "stacking": "top_up",
        "affiliation.threshold": 25,
        "eda_rd.threshold_fen": 1000000000,
        "eda_rd.rate": 15,
        "eda_rd.cap_fen": 2000000000,
        "eda_purchase.rate": 50,
        "eda_purchase.cap_fen": 250000000,
        "eda_purchase.amount_basis": "tax_inclusive",
        "equipment_rd.threshold_fen": 5000000000,
        "equipment_rd.rate": 15,
        "equipment_rd.cap_fen": 5000000000,
        "equipment_rd.cap_scope": "year",
        "compute.rate": 50,
        "compute.cap_fen": 100000000,
        "data_platform.rate": 1,
        "data_platform.cap_fen": 500000000,
        "data_platform.exclude": "platform_affiliates",
        "dataset.more_than_callers": 3,
        "dataset.rate": 10,
        "dataset.cap_fen": 100000000,
        "dataset.count": "affiliation_groups",
        "platform.rate": 100,
        "platform.cap_fen": 500000000,
        "event.rate": 50,
        "event.cap_fen": 100000000
      }
    }
  ]
})json";

}  // namespace chipreg::policy
