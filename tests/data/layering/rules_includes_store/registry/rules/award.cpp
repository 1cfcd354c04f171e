// A rule that reads the store directly: the arrow rules -> store does not exist.
#include "registry/rules/evaluation.hpp"
#include "registry/store/claims.hpp"
