// What keeps an evaluation from paying (more), in words a person reads: the `missing` of an
// entitlement (store/entitlements.hpp). A pure function of one evaluation and the facts it
// was computed on; it decides nothing, it only narrates the engine's reasons and line codes.
//
//   BELOW_THRESHOLD (linkage)    "已达 2,400,000.00 元, 距门槛还差 600,000.00 元"
//   BELOW_THRESHOLD (R&D)        "研发投入已达 X 元, 距门槛还差 Y 元"
//   a line or item's code        one phrase per product, seller or invoice it names, e.g.
//                                "芯片 BJ-MCU-02 缺少流片证明", "与供应商 USCC 存在关联关系 (AFFILIATED)"
//   another claim-level code     the trace's own step(s) that cite it ("... (CODE)"), or the
//                                code itself when no step does
// Codes that only explain an amount already paid or capped (CAPPED, OTHER_LEVEL_OFFSET,
// BOUNDARY_AMBIGUOUS, VOUCHER_OFFSET) are not missing anything and give no phrase. Phrases
// come in the order of the reasons, then of the lines, each once.
#pragma once

#include <string>
#include <vector>

#include "registry/domain/facts.hpp"
#include "registry/rules/evaluation.hpp"

namespace chipreg::store {

std::vector<std::string> missing_words(const rules::ClaimEvaluation& e, const Facts& facts);

}  // namespace chipreg::store
