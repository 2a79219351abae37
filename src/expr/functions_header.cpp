// Kafka header functions: HEADER, HAS_HEADER, HEADER_KEYS read the headers each row carries
// in the batch's RowOrigin (§1.4.1 "Headers"); SET_HEADER and REMOVE_HEADER are select-list
// directives for a Kafka sink, handled by the binder, and have no kernel.
//
// These functions read per-row data outside the argument columns, so they are registered
// as non-deterministic: a call with only literal arguments must never be folded into a
// constant at plan time.

#include <fmt/format.h>

#include "expr/function_registry.h"
#include "expr/kernel_util.h"

namespace ferris::expr {

using types::DataType;
using types::Header;
using types::RowOrigin;
using types::TypeId;
using types::Vector;

namespace {

/// The headers of the rows of one batch: row i owns headers [begin[i], begin[i+1]). A batch
/// from a source without headers (files) has an empty headerBegin: no row has headers.
class RowHeaders {
public:
    RowHeaders(const RowOrigin& origin, std::span<const uint32_t> rows) : origin_(origin) {
        if (!origin.headerBegin.empty() && !rows.empty()) {
            FERRIS_CHECK(origin.headerBegin.size() > rows.back() + 1,
                         fmt::format("headerBegin has {} entries for row {}",
                                     origin.headerBegin.size(), rows.back()));
        }
    }

    bool any() const { return !origin_.headerBegin.empty(); }

    std::span<const Header> of(uint32_t row) const {
        uint32_t begin = origin_.headerBegin[row];
        uint32_t end = origin_.headerBegin[row + 1];
        return std::span<const Header>(origin_.headers).subspan(begin, end - begin);
    }

    /// The last header of `row` with this key (keys compare exactly, case-sensitively, as
    /// Kafka's do), or nullptr.
    const Header* last(uint32_t row, std::string_view key) const {
        std::span<const Header> headers = of(row);
        for (size_t i = headers.size(); i > 0; --i) {
            if (headers[i - 1].key == key) return &headers[i - 1];
        }
        return nullptr;
    }

private:
    const RowOrigin& origin_;
};

BoundFunction bind(const FunctionEntry& self, std::vector<DataType> argTypes, DataType result) {
    BoundFunction bound;
    bound.name = self.name;
    bound.argTypes = std::move(argTypes);
    bound.resultType = std::move(result);
    bound.deterministic = false;  // reads the row's headers: never constant-folded
    return bound;
}

bool isKeyArg(std::span<const ArgInfo> args) {
    return args.size() == 1 && (args[0].type.id() == TypeId::kString || args[0].type.isNull());
}

Result<BoundFunction> resolveHeader(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (!isKeyArg(args)) return noMatchingOverload(self, args);
    BoundFunction bound = bind(self, {DataType::string()}, DataType::string());
    bound.makeKernel = [] {
        return makeKernel([](EvalContext& context, std::span<const uint32_t> rows,
                             std::span<const Vector* const> args, Vector& out) {
            RowHeaders headers(context.batch().origin(), rows);
            if (!headers.any()) {
                types::setNullRows(rows, out);
                return;
            }
            const auto* keys = args[0]->values<std::string_view>();
            auto* result = out.values<std::string_view>();
            for (uint32_t row : rows) {
                const Header* header = headers.last(row, keys[row]);
                if (header == nullptr || header->valueIsNull) {
                    out.setNull(row);
                } else {
                    // The header bytes are pinned by the batch already: no copy needed.
                    result[row] = header->value;
                }
            }
        });
    };
    return bound;
}

Result<BoundFunction> resolveHasHeader(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (!isKeyArg(args)) return noMatchingOverload(self, args);
    BoundFunction bound = bind(self, {DataType::string()}, DataType::boolean());
    bound.makeKernel = [] {
        return makeKernel([](EvalContext& context, std::span<const uint32_t> rows,
                             std::span<const Vector* const> args, Vector& out) {
            RowHeaders headers(context.batch().origin(), rows);
            uint8_t* result = out.values<uint8_t>();
            if (!headers.any()) {
                for (uint32_t row : rows) result[row] = 0;
                return;
            }
            const auto* keys = args[0]->values<std::string_view>();
            for (uint32_t row : rows) result[row] = headers.last(row, keys[row]) != nullptr;
        });
    };
    return bound;
}

/// HEADER_KEYS(): each row's distinct header keys in first-appearance order. Rows are
/// appended to the child vector in ascending order; rows not computed get empty ranges.
void headerKeysKernel(EvalContext& context, std::span<const uint32_t> rows,
                      std::span<const Vector* const>, Vector& out) {
    RowHeaders headers(context.batch().origin(), rows);
    int32_t* offsets = out.offsets();
    Vector& keys = out.child(0);
    uint32_t size = keys.size();
    uint32_t nextOffset = 0;  // offsets[0 .. nextOffset) are written
    for (uint32_t row : rows) {
        for (; nextOffset <= row; ++nextOffset) offsets[nextOffset] = static_cast<int32_t>(size);
        if (headers.any()) {
            std::span<const Header> all = headers.of(row);
            uint32_t first = size;
            for (const Header& header : all) {
                const auto* seen = keys.values<std::string_view>();
                bool duplicate = false;
                for (uint32_t i = first; i < size && !duplicate; ++i) {
                    duplicate = seen[i] == header.key;
                }
                if (duplicate) continue;
                keys.resize(size + 1);
                keys.values<std::string_view>()[size] = header.key;
                ++size;
            }
        }
        offsets[row + 1] = static_cast<int32_t>(size);
        nextOffset = row + 2;
    }
    for (; nextOffset <= out.size(); ++nextOffset) offsets[nextOffset] = static_cast<int32_t>(size);
}

Result<BoundFunction> resolveHeaderKeys(const FunctionEntry& self, std::span<const ArgInfo> args) {
    if (!args.empty()) return noMatchingOverload(self, args);
    BoundFunction bound = bind(self, {}, DataType::array(DataType::string()));
    bound.makeKernel = [] { return makeKernel(headerKeysKernel); };
    return bound;
}

/// SET_HEADER / REMOVE_HEADER outside their one allowed place.
Result<BoundFunction> resolveSelectDirective(const FunctionEntry& self, std::span<const ArgInfo>) {
    return Status::user(
        ErrorCode::kNotSupported,
        fmt::format("{} is allowed only as a select item of a query writing to a Kafka "
                    "sink",
                    self.name));
}

FunctionEntry headerEntry(std::string name, std::vector<std::string> signatures,
                          std::string description,
                          Result<BoundFunction> (*resolve)(const FunctionEntry&,
                                                           std::span<const ArgInfo>)) {
    FunctionEntry entry;
    entry.name = std::move(name);
    entry.category = "header";
    entry.signatures = std::move(signatures);
    entry.description = std::move(description);
    entry.deterministic = false;
    entry.resolve = resolve;
    return entry;
}

}  // namespace

void registerHeaderFunctions(FunctionRegistry& registry) {
    registry.add(
        headerEntry("HEADER", {"HEADER(STRING) -> STRING"},
                    "the value of the record's last header with this key (case-sensitive); "
                    "NULL when absent or when that header's value is null",
                    resolveHeader));
    registry.add(headerEntry("HAS_HEADER", {"HAS_HEADER(STRING) -> BOOLEAN"},
                             "whether the record has a header with this key (case-sensitive)",
                             resolveHasHeader));
    registry.add(headerEntry("HEADER_KEYS", {"HEADER_KEYS() -> ARRAY<STRING>"},
                             "the record's distinct header keys, in first-appearance order",
                             resolveHeaderKeys));
    registry.add(headerEntry("SET_HEADER", {"SET_HEADER(STRING key, STRING value)"},
                             "select item of a query writing to a Kafka sink: sets a header of the "
                             "output record; produces no column",
                             resolveSelectDirective));
    registry.add(
        headerEntry("REMOVE_HEADER", {"REMOVE_HEADER(STRING key)"},
                    "select item of a query writing to a Kafka sink: removes a header from "
                    "the output record; produces no column",
                    resolveSelectDirective));
}

}  // namespace ferris::expr
