// Fuzzes the domain value parsers (USCC, yuan amounts, percentages, dates): no input may
// crash, and whatever parses must survive a round trip through its printed form.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "registry/domain/date.hpp"
#include "registry/domain/money.hpp"
#include "registry/domain/rate.hpp"
#include "registry/domain/uscc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace chipreg;
  if (auto u = Uscc::parse(text); u.ok() && u->str() != text) std::abort();
  if (auto m = Money::parse_yuan(text); m.ok()) {
    auto again = Money::parse_yuan(m->plain());
    if (!again.ok() || again->fen() != m->fen()) std::abort();
    (void)m->apply(Rate::percent(30));
    (void)m->plus(*m);
    (void)m->times(3);
  }
  if (auto r = Rate::parse_percent(text); r.ok()) {
    auto back = r->str();
    back.pop_back();  // '%'
    auto again = Rate::parse_percent(back);
    if (!again.ok() || again->units() != r->units()) std::abort();
  }
  if (auto d = Date::parse(text); d.ok()) {
    if (d->str() != text) std::abort();
    (void)d->add_months(36);
    (void)d->add_months(-36);
  }
  return 0;
}
