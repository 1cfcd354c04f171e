// Transparency log routes (placeholder until the log's read side lands).
#include "api/routes/common.hpp"

namespace chipreg::api::routes {
void add_log_routes(Router&) {}
}  // namespace chipreg::api::routes
