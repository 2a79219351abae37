#include "expr/pending_functions.h"

#include <array>

namespace ferris::expr {

bool isPendingAggregate(std::string_view upperName) {
    static constexpr std::array<std::string_view, 21> kNames = {
        "COUNT",         "SUM",        "AVG",       "MIN",         "MAX",           "FIRST_VALUE",
        "LAST_VALUE",    "STDDEV",     "STDDEV_SAMP", "STDDEV_POP", "VARIANCE",     "VAR_SAMP",
        "VAR_POP",       "MEDIAN",     "PERCENTILE_CONT", "APPROX_COUNT_DISTINCT", "STRING_AGG",
        "COLLECT_LIST",  "CORR",       "COVAR_POP", "COVAR_SAMP"};
    for (auto name : kNames) {
        if (name == upperName) return true;
    }
    return false;
}

bool isPendingAnalytic(std::string_view upperName) {
    static constexpr std::array<std::string_view, 5> kNames = {"ROW_NUMBER", "RANK", "DENSE_RANK", "LAG", "LEAD"};
    for (auto name : kNames) {
        if (name == upperName) return true;
    }
    return false;
}

}  // namespace ferris::expr
