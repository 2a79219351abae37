#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "types/batch.h"
#include "types/data_type.h"
#include "types/raw_record.h"
#include "types/schema.h"

namespace ferris::codec {

/// A declared column the plan reads: decoded from the field `name` into batch slot `slot`.
/// Columns the plan does not read are not decoded at all.
struct DecodeField {
    std::string name;
    types::DataType type;
    int slot = -1;
};

/// Turns raw record bytes into typed columns. One instance per source per job, used from
/// the job's driver thread only. A record that cannot be decoded becomes a row error of the
/// batch (its row stays, deselected, with its original bytes), never a Status.
class Decoder {
public:
    virtual ~Decoder() = default;

    /// Decodes `records` into rows [0, records.size()) of `batch`, creating the vectors of
    /// the bound slots. The batch's row count must already be records.size().
    virtual void decode(std::span<const types::RawRecord> records, types::Batch& batch) = 0;
};

/// Creates the vectors of `fields` (one per field, `rows` rows) at their slots in `batch`
/// and returns them in field order: what every decoder does first.
std::vector<types::Vector*> makeFieldColumns(const std::vector<DecodeField>& fields, uint32_t rows,
                                             types::Batch& batch);

/// Options of the CSV format.
struct CsvOptions {
    char delimiter = ',';
    char quote = '"';
    bool header = true;  ///< the first line names the columns (matched by name)
};

/// JSON objects, one per record (jsonl lines, json array elements, Kafka values).
Result<std::unique_ptr<Decoder>> makeJsonDecoder(std::vector<DecodeField> fields);
/// The `string` (text = true: one STRING column, UTF-8 checked) and `bytes` (one BYTES
/// column) formats: the whole record value is the source's one column.
Result<std::unique_ptr<Decoder>> makeRawDecoder(const types::Schema& schema, std::vector<DecodeField> fields, bool text);
/// CSV lines. Without a header, columns are matched by position in `schemaOrder` (every
/// declared column, in order; a DecodeField's name picks its position). With a header,
/// `setHeader` must be called with the first line before decoding.
class CsvDecoder;
Result<std::unique_ptr<CsvDecoder>> makeCsvDecoder(std::vector<DecodeField> fields,
                                                  std::vector<std::string> schemaOrder, CsvOptions options);

}  // namespace ferris::codec
