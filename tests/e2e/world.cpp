// The shared end-to-end world, built only through public interfaces.
#include "e2e/world.hpp"

#include "support/temp_dir.hpp"

namespace chipreg::testing {
namespace json = boost::json;

World build_world(Registry& reg) {
  World w;
  w.foundry = mint_uscc(1);
  w.design = mint_uscc(2);
  w.oem = mint_uscc(3);
  w.other = mint_uscc(4);
  reg.enterprise(w.foundry, "Foundry Co.", false, {"foundry"});
  reg.enterprise(w.design, "Design House Co.", true, {"ic_design"});
  reg.enterprise(w.oem, "Terminal Maker Co.", true, {"oem"});
  reg.enterprise(w.other, "Other Maker Co.", true, {"oem"});

  w.key_prefix = reg.keygen("foundry");
  auto key = reg.must(201, "/v1/foundry-keys",
                      json::object{{"foundry", w.foundry}, {"alg", "ed25519"},
                                   {"public_key_pem", read_file(w.key_prefix + ".pub")}, {"valid_from", "2024-01-01"}},
                      reg.admin());
  w.keyid = std::string(key.at("keyid").as_string());

  w.foundry_token = reg.token("foundry", w.foundry);
  w.design_token = reg.token("enterprise", w.design);
  w.oem_token = reg.token("enterprise", w.oem);
  w.other_token = reg.token("enterprise", w.other);
  w.reviewer_token = reg.token("reviewer");

  // The design house registers its own chip.
  reg.must(201, "/v1/products",
           json::object{{"id", "P-CHIP"}, {"kind", "chip"}, {"owner", w.design}, {"self_developed", true},
                        {"first_market_date", "2025-01-10"}, {"focus_area", "chip_design"}},
           w.design_token);

  w.tapeout_predicate = json::object{{"foundry", w.foundry}, {"design_owner", w.design}, {"product", "P-CHIP"},
                                     {"date", "2024-09-01"},  {"kind", "mpw"},           {"mask_set_id", "MS-001"},
                                     {"process_node", "28nm"}, {"wafer_size_mm", 300},   {"cost_fen", 800000000}};
  w.tapeout_envelope = reg.sign_tapeout(w.key_prefix, w.tapeout_predicate, std::string(64, 'a'));
  auto accepted = reg.http().request("POST", "/v1/tapeouts", w.tapeout_envelope, w.foundry_token);
  if (accepted.status != 201) throw std::runtime_error("tape-out not accepted: " + accepted.body);
  w.tapeout_id = std::string(accepted.json().at("id").as_string());

  // 3,000,000.00 元 + 390,000.00 元 tax: over the chip_module threshold tax included.
  reg.must(201, "/v1/purchases",
           json::object{{"invoice", "24332000000012345678"}, {"line", 1}, {"date", "2025-03-01"}, {"buyer", w.oem},
                        {"seller", w.design}, {"product", "P-CHIP"}, {"amount_fen", 300000000}, {"tax_fen", 39000000},
                        {"reverses", nullptr}},
           w.oem_token);
  return w;
}

}  // namespace chipreg::testing
