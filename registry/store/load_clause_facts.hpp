// The other clauses' part of a claim's facts: what the rules of clauses 2, 4, 6, 7, 8 and
// 16 read for one claim, through indexed queries. The claim-facts builder (load_facts.cpp)
// calls it after loading the parties, the equity graph, products and purchases, which
// these rules share with clauses 3 and 12.
//
// What is added to `facts` for claim C of claimant E in year Y:
//   eda_rd, equipment_rd   E's R&D declarations of (Y, field), in declaration order (the
//                          last replaces the earlier ones)
//   eda_purchase           the sign-off participations of the owners of the products that
//                          E bought (its purchases come from the builder)
//   compute                E's compute contracts dated in Y
//   data_platform          the trades on platform E dated in Y
//   dataset                the dataset C names and its calls dated in Y
//   platform               E's recognitions, and its expenses dated in Y
//   event                  the event C names
// Nothing for linkage and tapeout claims. Prior approvals and other levels' awards are the
// builder's.
#pragma once

#include "base/result.hpp"
#include "registry/domain/facts.hpp"
#include "registry/store/db.hpp"

namespace chipreg::store {

// Appends to `facts` what `claim` needs (above). REQUIRES: claim.year is set for every
// rule but event. A stored row that no longer parses is CORRUPT_ROW.
Status load_clause_facts(Db& db, const ClaimRequest& claim, Facts& facts);

}  // namespace chipreg::store
