#include "expr/pending_functions.h"

#include <array>

namespace ferris::expr {

bool isPendingAnalytic(std::string_view upperName) {
    static constexpr std::array<std::string_view, 5> kNames = {"ROW_NUMBER", "RANK", "DENSE_RANK", "LAG", "LEAD"};
    for (auto name : kNames) {
        if (name == upperName) return true;
    }
    return false;
}

}  // namespace ferris::expr
