#include "expr/function_registry.h"

namespace ferris::expr {

void registerStringFunctions(FunctionRegistry& registry) { (void)registry; }

}  // namespace ferris::expr
