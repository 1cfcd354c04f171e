// A rule on domain types only.
#include "registry/domain/facts.hpp"
#include "registry/rules/evaluation.hpp"
