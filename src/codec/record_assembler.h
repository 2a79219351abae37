#pragma once

#include <memory>
#include <vector>

#include "codec/encoder.h"
#include "codec/key_format.h"
#include "types/batch.h"

namespace ferris::codec {

/// How a record sink's (Kafka's) records are made from a batch's rows (§1.4.1).
struct RecordLayout {
    /// The output's key columns (slots and types): the key is their text (one column) or a
    /// compact JSON object of them (several). Empty: see passKeys.
    std::vector<EncodeColumn> keyColumns;
    /// How key columns are written: string (§1.4.1 text), json (one column's JSON value, or
    /// the object of several), or avro (`keyEncoder`, an encoder of the key columns).
    KeyFormat keyFormat = KeyFormat::kString;
    std::shared_ptr<Encoder> keyEncoder;
    bool passKeys = false;     ///< no key columns, stateless: each row keeps its input's key
    bool passHeaders = false;  ///< stateless: each row keeps its input's headers
    /// A DLQ replay: the input's ferris.* headers are the DLQ's (its first failure), not output.
    bool dropDlqHeaders = false;
    /// SET_HEADER / REMOVE_HEADER, in order: the STRING columns holding each one's key and
    /// value (valueSlot -1 for a removal). A NULL key leaves the row's headers as they are.
    struct HeaderOp {
        bool set = true;
        int keySlot = -1;
        int valueSlot = -1;
    };
    std::vector<HeaderOp> headerOps;
};

/// Builds records from rows: the value by the format's encoder (a changelog's delete is a
/// tombstone), the key per §1.4.1 "Kafka keys", and the headers passed through.
class RecordAssembler {
public:
    RecordAssembler(Encoder& values, RecordLayout layout) : values_(values), layout_(std::move(layout)) {}

    /// Appends a record for every selected row of `batch` to `out`.
    void assemble(const types::Batch& batch, EncodedBatch& out);

    /// Appends the key of `row` in the layout's key format (string or json) to `out`.
    void appendKey(const types::Batch& batch, uint32_t row, std::string& out) const;

private:
    /// Applies the SET_HEADER / REMOVE_HEADER ops to the row's headers, out.headers[first, end).
    void applyHeaderOps(const types::Batch& batch, uint32_t row, size_t first, EncodedBatch& out);

    Encoder& values_;
    RecordLayout layout_;
    EncodedBatch keys_;  ///< avro: the batch's keys, encoded by layout_.keyEncoder
};

}  // namespace ferris::codec
