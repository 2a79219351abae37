#include "codec/decoder.h"

namespace ferris::codec {

std::vector<types::Vector*> makeFieldColumns(const std::vector<DecodeField>& fields, uint32_t rows,
                                             types::Batch& batch) {
    std::vector<types::Vector*> columns;
    columns.reserve(fields.size());
    for (const auto& field : fields) {
        auto column = std::make_shared<types::Vector>(field.type, rows);
        auto slot = static_cast<size_t>(field.slot);
        if (batch.columns().size() <= slot) batch.columns().resize(slot + 1);
        batch.columns()[slot] = column;
        columns.push_back(column.get());
    }
    return columns;
}

}  // namespace ferris::codec
