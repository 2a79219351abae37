// The aggregates that follow arrival order (§1.4.1: "FIRST_VALUE / LAST_VALUE follow
// arrival order among the records a window accepted"): FIRST_VALUE, LAST_VALUE, STRING_AGG
// and COLLECT_LIST. Each state remembers the arrival sequence of what it kept, so merging
// sliding-window panes or sessions in any order gives the answer one state over all the
// records would give.

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <utility>

#include <fmt/format.h>

#include "expr/aggregates.h"
#include "expr/function_registry.h"
#include "expr/kernel_util.h"

namespace ferris::expr {

using types::DataType;
using types::TypeId;
using types::Vector;

namespace {

/// The arrival sequence of row `row`: `arrival` is indexed by physical row, like the
/// argument vectors (the batch's RowOrigin::arrival).
int64_t arrivalOf(std::span<const int64_t> arrival, uint32_t row) {
    FERRIS_CHECK_LT(row, arrival.size());
    return arrival[row];
}

/// The scalar types these aggregates keep (nested values are not supported yet); a bare
/// NULL argument is typed BIGINT, like MIN/MAX.
bool keepableType(const ArgInfo& arg, DataType& type) {
    type = arg.type.isNull() ? DataType::bigint() : arg.type;
    return !type.isNested();
}

// ---- FIRST_VALUE / LAST_VALUE ---------------------------------------------------------------

/// The kept value and its arrival sequence. Fixed-width values are copied bytewise into
/// `fixed`; strings are owned in `text`.
struct ArrivalValue {
    int64_t arrival;
    bool has;
    alignas(16) std::array<uint8_t, 16> fixed;
    std::string text;
};
static_assert(sizeof(ArrivalValue) % 16 == 0);

/// FIRST_VALUE(x) / LAST_VALUE(x): the non-NULL value with the smallest / largest arrival
/// sequence, of x's own type. Ties on arrival (one record seen twice) keep the first kept
/// value for FIRST_VALUE and the later update for LAST_VALUE.
class ArrivalValueKernel final : public AggregateKernel {
public:
    ArrivalValueKernel(DataType type, bool last)
        : type_(std::move(type)), last_(last), text_(type_.isStringLike()),
          width_(type_.valueWidth()) {}

    size_t stateSize() const override { return sizeof(ArrivalValue); }
    void init(uint8_t* state) const override { new (state) ArrivalValue{0, false, {}, {}}; }
    void destroy(uint8_t* state) const override {
        reinterpret_cast<ArrivalValue*>(state)->~ArrivalValue();
    }

    void update(std::span<uint8_t* const> states, std::span<const uint32_t> rows,
                std::span<const Vector* const> args, std::span<const int64_t> arrival,
                EvalContext&) const override {
        const Vector& values = *args[0];
        for (size_t i = 0; i < rows.size(); ++i) {
            auto& s = *reinterpret_cast<ArrivalValue*>(states[i]);
            int64_t sequence = arrivalOf(arrival, rows[i]);
            bool replace = !s.has || (last_ ? sequence >= s.arrival : sequence < s.arrival);
            if (!replace) continue;
            s.has = true;
            s.arrival = sequence;
            if (text_) {
                s.text.assign(values.values<std::string_view>()[rows[i]]);
            } else {
                std::memcpy(s.fixed.data(), values.values<uint8_t>() + rows[i] * width_, width_);
            }
        }
    }

    void merge(uint8_t* target, const uint8_t* source) const override {
        auto& t = *reinterpret_cast<ArrivalValue*>(target);
        const auto& s = *reinterpret_cast<const ArrivalValue*>(source);
        if (!s.has) return;
        if (t.has && (last_ ? s.arrival <= t.arrival : s.arrival >= t.arrival)) return;
        t.has = true;
        t.arrival = s.arrival;
        t.fixed = s.fixed;
        t.text = s.text;
    }

    void finalize(const uint8_t* state, Vector& out, uint32_t row) const override {
        const auto& s = *reinterpret_cast<const ArrivalValue*>(state);
        if (!s.has) {
            out.setNull(row);
            return;
        }
        out.setNotNull(row);
        if (text_) {
            out.values<std::string_view>()[row] = s.text;  // views the state: encode first
        } else {
            std::memcpy(out.values<uint8_t>() + row * width_, s.fixed.data(), width_);
        }
    }

    void serialize(const uint8_t* state, std::string& out) const override {
        const auto& s = *reinterpret_cast<const ArrivalValue*>(state);
        out += static_cast<char>(s.has ? 1 : 0);
        if (!s.has) return;
        appendStateValue(out, s.arrival);
        if (text_) {
            appendStateBytes(out, s.text);
        } else {
            out.append(reinterpret_cast<const char*>(s.fixed.data()), width_);
        }
    }
    Status deserialize(std::string_view bytes, uint8_t* state) const override {
        init(state);
        auto& s = *reinterpret_cast<ArrivalValue*>(state);
        StateReader reader(bytes);
        uint8_t has = 0;
        if (!reader.read(has) || has > 1) return corrupt();
        if (has == 0) return reader.atEnd() ? Status::ok() : corrupt();
        s.has = true;
        if (!reader.read(s.arrival)) return corrupt();
        if (text_) {
            std::string_view text;
            if (!reader.readBytes(text)) return corrupt();
            s.text.assign(text);
        } else {
            for (size_t b = 0; b < width_; ++b) {
                if (!reader.read(s.fixed[b])) return corrupt();
            }
        }
        return reader.atEnd() ? Status::ok() : corrupt();
    }

private:
    Status corrupt() const { return corruptAggregateState(last_ ? "LAST_VALUE" : "FIRST_VALUE"); }

    DataType type_;
    bool last_;
    bool text_;
    size_t width_;
};

// ---- STRING_AGG / COLLECT_LIST ---------------------------------------------------------------

/// Every kept value with its arrival sequence. Updates append; finalize puts the items in
/// arrival order (a stable sort, so equal sequences keep the order they were added in) and
/// STRING_AGG builds its result in `joined`, which the output row then views.
template <typename Payload>
struct ArrivalList {
    using Item = std::pair<int64_t, Payload>;
    mutable std::vector<Item> items;
    mutable std::vector<Item> fresh;  ///< added since the checkpoint last took them
    mutable bool sorted = true;
    mutable std::string joined;

    /// Adds an item; `isNew`: the checkpoint has yet to take it.
    void add(int64_t arrival, Payload payload, bool isNew = true) {
        if (!items.empty() && arrival < items.back().first) sorted = false;
        if (isNew) fresh.emplace_back(arrival, payload);
        items.emplace_back(arrival, std::move(payload));
    }
    void absorb(const ArrivalList& other) {
        if (other.items.empty()) return;
        size_t middle = items.size();
        items.insert(items.end(), other.items.begin(), other.items.end());
        fresh.insert(fresh.end(), other.items.begin(), other.items.end());
        if (sorted && other.sorted) {
            std::inplace_merge(items.begin(), items.begin() + static_cast<ptrdiff_t>(middle),
                               items.end(), byArrival);
        } else {
            sorted = false;
        }
    }
    void putInOrder() const {
        if (sorted) return;
        std::stable_sort(items.begin(), items.end(), byArrival);
        sorted = true;
    }
    static bool byArrival(const Item& a, const Item& b) { return a.first < b.first; }
};

/// A fixed-width value, copied bytewise (16 bytes hold every flat type's value).
using FixedBytes = std::array<uint8_t, 16>;

/// Shared shape of the list kernels: state layout, lifetime, merge and serialization of
/// (arrival, value) items; `Payload` is std::string for strings, FixedBytes otherwise.
template <typename Payload>
class ArrivalListKernel : public AggregateKernel {
public:
    using State = ArrivalList<Payload>;
    static constexpr bool kText = std::is_same_v<Payload, std::string>;

    ArrivalListKernel(std::string_view name, size_t width) : name_(name), width_(width) {}

    size_t stateSize() const override { return (sizeof(State) + 15) / 16 * 16; }
    void init(uint8_t* state) const override { new (state) State(); }
    void destroy(uint8_t* state) const override { reinterpret_cast<State*>(state)->~State(); }

    void update(std::span<uint8_t* const> states, std::span<const uint32_t> rows,
                std::span<const Vector* const> args, std::span<const int64_t> arrival,
                EvalContext&) const override {
        const Vector& values = *args[0];
        for (size_t i = 0; i < rows.size(); ++i) {
            auto& s = *reinterpret_cast<State*>(states[i]);
            int64_t sequence = arrivalOf(arrival, rows[i]);
            if constexpr (kText) {
                s.add(sequence, std::string(values.values<std::string_view>()[rows[i]]));
            } else {
                FixedBytes bytes{};
                std::memcpy(bytes.data(), values.values<uint8_t>() + rows[i] * width_, width_);
                s.add(sequence, bytes);
            }
        }
    }

    void merge(uint8_t* target, const uint8_t* source) const override {
        reinterpret_cast<State*>(target)->absorb(*reinterpret_cast<const State*>(source));
    }

    void serialize(const uint8_t* state, std::string& out) const override {
        const auto& s = *reinterpret_cast<const State*>(state);
        appendStateValue(out, static_cast<uint64_t>(s.items.size()));
        for (const auto& item : s.items) appendItem(item, out);
        s.fresh.clear();
    }
    Status deserialize(std::string_view bytes, uint8_t* state) const override {
        init(state);
        auto& s = *reinterpret_cast<State*>(state);
        StateReader reader(bytes);
        uint64_t count = 0;
        if (!reader.read(count)) return corruptAggregateState(name_);
        for (uint64_t i = 0; i < count; ++i) FERRIS_RETURN_IF_ERROR(readItem(reader, s));
        return reader.atEnd() ? Status::ok() : corruptAggregateState(name_);
    }
    bool elementwise() const override { return true; }
    void takeNewElements(uint8_t* state, std::vector<std::string>& out) const override {
        auto& s = *reinterpret_cast<State*>(state);
        for (const auto& item : s.fresh) {
            out.emplace_back();
            appendItem(item, out.back());
        }
        s.fresh.clear();
    }
    Status restoreElement(uint8_t* state, std::string_view element) const override {
        StateReader reader(element);
        FERRIS_RETURN_IF_ERROR(readItem(reader, *reinterpret_cast<State*>(state)));
        return reader.atEnd() ? Status::ok() : corruptAggregateState(name_);
    }

protected:
    void appendItem(const typename State::Item& item, std::string& out) const {
        appendStateValue(out, item.first);
        if constexpr (kText) {
            appendStateBytes(out, item.second);
        } else {
            out.append(reinterpret_cast<const char*>(item.second.data()), width_);
        }
    }
    /// Reads one item into `s` (restored: not new).
    Status readItem(StateReader& reader, State& s) const {
        int64_t sequence = 0;
        if (!reader.read(sequence)) return corruptAggregateState(name_);
        if constexpr (kText) {
            std::string_view text;
            if (!reader.readBytes(text)) return corruptAggregateState(name_);
            s.add(sequence, std::string(text), false);
        } else {
            FixedBytes payload{};
            for (size_t b = 0; b < width_; ++b) {
                if (!reader.read(payload[b])) return corruptAggregateState(name_);
            }
            s.add(sequence, payload, false);
        }
        return Status::ok();
    }

    std::string_view name_;
    size_t width_;
};

/// STRING_AGG(x, separator): the non-NULL strings joined by the literal separator in arrival
/// order; NULL for a group without any.
class StringAggKernel final : public ArrivalListKernel<std::string> {
public:
    explicit StringAggKernel(std::string separator)
        : ArrivalListKernel("STRING_AGG", 0), separator_(std::move(separator)) {}

    void finalize(const uint8_t* state, Vector& out, uint32_t row) const override {
        const auto& s = *reinterpret_cast<const State*>(state);
        if (s.items.empty()) {
            out.setNull(row);
            return;
        }
        s.putInOrder();
        s.joined.clear();
        for (size_t i = 0; i < s.items.size(); ++i) {
            if (i > 0) s.joined += separator_;
            s.joined += s.items[i].second;
        }
        out.setNotNull(row);
        out.values<std::string_view>()[row] = s.joined;  // views the state: encode first
    }

private:
    std::string separator_;
};

/// COLLECT_LIST(x): ARRAY<T> of the non-NULL values in arrival order; NULL (not an empty
/// array) for a group without any, like every other aggregate of nothing.
template <typename Payload>
class CollectListKernel final : public ArrivalListKernel<Payload> {
public:
    using Base = ArrivalListKernel<Payload>;
    using typename Base::State;

    explicit CollectListKernel(size_t width) : Base("COLLECT_LIST", width) {}

    void finalize(const uint8_t* state, Vector& out, uint32_t row) const override {
        const auto& s = *reinterpret_cast<const State*>(state);
        Vector& elements = out.child(0);
        auto start = static_cast<int32_t>(elements.size());
        out.offsets()[row] = start;
        if (s.items.empty()) {
            out.offsets()[row + 1] = start;
            out.setNull(row);
            return;
        }
        s.putInOrder();
        auto count = static_cast<uint32_t>(s.items.size());
        elements.resize(static_cast<uint32_t>(start) + count);
        for (uint32_t i = 0; i < count; ++i) {
            uint32_t at = static_cast<uint32_t>(start) + i;
            if constexpr (Base::kText) {
                // Views the state: encode before it changes.
                elements.values<std::string_view>()[at] = s.items[i].second;
            } else {
                std::memcpy(elements.values<uint8_t>() + at * this->width_,
                            s.items[i].second.data(), this->width_);
            }
        }
        out.offsets()[row + 1] = start + static_cast<int32_t>(count);
        out.setNotNull(row);
    }
};

// ---- Resolution -----------------------------------------------------------------------------

Result<BoundAggregate> resolveArrivalValue(const FunctionEntry& self,
                                           std::span<const ArgInfo> args, bool distinct,
                                           bool last) {
    if (distinct) return Status::notSupported(fmt::format("{}(DISTINCT …)", self.name));
    DataType type;
    if (args.size() != 1 || !keepableType(args[0], type)) return noMatchingOverload(self, args);
    BoundAggregate bound;
    bound.name = self.name;
    bound.argTypes = {type};
    bound.resultType = type;
    bound.makeKernel = [type, last] {
        return AggregateKernelPtr(std::make_unique<ArrivalValueKernel>(type, last));
    };
    return bound;
}

Result<BoundAggregate> resolveStringAgg(const FunctionEntry& self, std::span<const ArgInfo> args,
                                        bool distinct) {
    if (distinct) return Status::notSupported("STRING_AGG(DISTINCT …)");
    if (args.size() != 2 || !(args[0].type.isNull() || args[0].type.id() == TypeId::kString) ||
        !(args[1].type.isNull() || args[1].type.id() == TypeId::kString)) {
        return noMatchingOverload(self, args);
    }
    if (!args[1].literal.has_value() || args[1].literal->isNull()) {
        return Status::user(ErrorCode::kInvalidQuery,
                            "STRING_AGG's separator must be a non-NULL STRING literal, "
                            "e.g. STRING_AGG(name, ', ')");
    }
    std::string separator = args[1].literal->asString();
    BoundAggregate bound;
    bound.name = self.name;
    bound.argTypes = {DataType::string(), DataType::string()};
    bound.resultType = DataType::string();
    bound.makeKernel = [separator] {
        return AggregateKernelPtr(std::make_unique<StringAggKernel>(separator));
    };
    return bound;
}

Result<BoundAggregate> resolveCollectList(const FunctionEntry& self,
                                          std::span<const ArgInfo> args, bool distinct) {
    if (distinct) return Status::notSupported("COLLECT_LIST(DISTINCT …)");
    DataType type;
    if (args.size() != 1 || !keepableType(args[0], type)) return noMatchingOverload(self, args);
    BoundAggregate bound;
    bound.name = self.name;
    bound.argTypes = {type};
    bound.resultType = DataType::array(type);
    bound.makeKernel = [type]() -> AggregateKernelPtr {
        if (type.isStringLike()) return std::make_unique<CollectListKernel<std::string>>(0);
        return std::make_unique<CollectListKernel<FixedBytes>>(type.valueWidth());
    };
    return bound;
}

}  // namespace

void registerArrivalOrderedAggregates(FunctionRegistry& registry) {
    for (bool last : {false, true}) {
        FunctionEntry entry = makeAggregateEntry(
            last ? "LAST_VALUE" : "FIRST_VALUE", {},
            {last ? "LAST_VALUE(T) -> T" : "FIRST_VALUE(T) -> T"},
            fmt::format("the non-NULL value of the {} record the group accepted, in arrival "
                        "order (NULLs are skipped, as by every aggregate); NULL when there is "
                        "none. T is any scalar type",
                        last ? "last" : "first"));
        entry.resolveAggregate = [last](const FunctionEntry& self, std::span<const ArgInfo> args,
                                        bool distinct) {
            return resolveArrivalValue(self, args, distinct, last);
        };
        registry.add(std::move(entry));
    }

    FunctionEntry stringAgg = makeAggregateEntry(
        "STRING_AGG", {}, {"STRING_AGG(STRING, STRING literal) -> STRING"},
        "the non-NULL strings joined by the separator, in arrival order; NULL when there are "
        "none");
    stringAgg.resolveAggregate = resolveStringAgg;
    registry.add(std::move(stringAgg));

    FunctionEntry collectList = makeAggregateEntry(
        "COLLECT_LIST", {}, {"COLLECT_LIST(T) -> ARRAY<T>"},
        "an array of the non-NULL values in arrival order; NULL (not an empty array) when "
        "there are none. T is any scalar type");
    collectList.resolveAggregate = resolveCollectList;
    registry.add(std::move(collectList));
}

}  // namespace ferris::expr
