#pragma once

// The Avro format (binary datums of a record schema) with optional Confluent framing
// (DESIGN.md §2.4): magic byte 0, the schema id as 4 bytes big-endian, then the datum.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/avro_schema.h"
#include "codec/decoder.h"
#include "codec/encoder.h"
#include "common/result.h"

namespace ferris::codec {

class SchemaRegistryClient;

/// The first byte of a Confluent-framed record.
inline constexpr uint8_t kConfluentMagicByte = 0;
/// Magic byte plus the 4-byte schema id.
inline constexpr size_t kConfluentHeaderSize = 5;

/// Appends the Confluent header: the magic byte, then `schemaId` as 4 bytes big-endian.
void appendConfluentHeader(int32_t schemaId, std::string& out);

/// Finds the writer schema of a Confluent schema id (normally through the schema registry).
using AvroSchemaResolver = std::function<Result<AvroSchemaPtr>(int32_t id)>;

/// A resolver that fetches a schema by id from `client` (which caches texts by id) and parses it.
AvroSchemaResolver registryAvroResolver(std::shared_ptr<SchemaRegistryClient> client);

/// How an Avro decoder finds the writer schema of each record.
struct AvroDecoderOptions {
    /// Without framing: the schema every record was written with (required). With framing:
    /// optional; when set (e.g. the subject's latest schema), the declared columns are
    /// checked against it at creation, so a mismatch fails the job before it reads anything.
    AvroSchemaPtr writerSchema;
    /// Records carry the Confluent header; the writer schema is `resolver(id)`.
    bool confluentFraming = false;
    /// Required with framing. Called once per schema id (the decoder caches the result; a
    /// failure is retried in the next decode() call, and its records become row errors).
    AvroSchemaResolver resolver;
    /// Copy STRING and BYTES values into the batch's arena instead of viewing the record
    /// bytes: for callers whose record buffers the batch does not pin.
    bool copyStrings = false;
};

/// Decodes Avro binary datums of a record schema into the declared columns, matched by
/// field name (case-sensitive): a declared column the writer schema lacks is NULL, a writer
/// field nobody declared is skipped. Each column's SQL type must be readable from its
/// writer field's Avro type (checked at creation for `writerSchema`, and for each new
/// schema id when it is first seen — a mismatch there makes that id's records row errors):
///   - boolean → BOOLEAN; int, long → BIGINT or DOUBLE; float, double → DOUBLE;
///   - string → STRING or BYTES; enum → STRING; bytes, fixed → BYTES;
///   - decimal(p,s) → DOUBLE, or DECIMAL(P,S) when S ≥ s and P−S ≥ p−s: the value is
///     rescaled exactly (multiplied by 10^(S−s)), which can never round or overflow;
///   - timestamp-millis, timestamp-micros → TIMESTAMP; date → DATE (and, being int/long,
///     also BIGINT as the raw number);
///   - array → ARRAY, map → MAP, record → STRUCT (fields by name, recursively);
///   - a union: the null branch reads as NULL, every other branch must be readable as the
///     column's type (null may be at any position).
/// Truncated or corrupt data, a bad magic byte, an unknown schema id: row errors
/// (ErrorCode::kDecodeError), never a Status or a crash.
Result<std::unique_ptr<Decoder>> makeAvroDecoder(std::vector<DecodeField> fields, AvroDecoderOptions options);

/// Appends the §1.4.1 key text of an Avro datum (no framing) of `schema`: a record of one
/// field is that field's text, a scalar its bare text (a string unquoted, a number its JSON
/// text, a decimal in plain notation with its scale, a timestamp epoch ms, a date
/// YYYY-MM-DD), anything else compact JSON. On failure `out` is unchanged, `error` says why.
bool appendAvroKeyText(const AvroSchema& schema, std::string_view datum, std::string& out, std::string& error);

/// The writer schema for output columns: a record `recordName` in `recordNamespace` (may be
/// empty) with one field per column, in order, each a union ["null", T] with default null:
/// BOOLEAN boolean, BIGINT long, DOUBLE double, STRING string, BYTES bytes, DECIMAL(p,s)
/// bytes with logicalType decimal, TIMESTAMP long timestamp-micros, DATE int date, ARRAY
/// array, MAP map, STRUCT a nested record named `<recordName>_<column>` (elements, values and
/// struct fields nullable too). INTERVAL is not supported; column names must be Avro names.
Result<AvroSchemaPtr> avroSchemaFor(const std::vector<EncodeColumn>& columns, std::string_view recordName,
                                    std::string_view recordNamespace);

/// How an Avro encoder writes.
struct AvroEncoderOptions {
    /// The writer schema: usually avroSchemaFor(columns, …); any record schema whose fields
    /// take the columns' values losslessly is accepted (see makeAvroEncoder).
    AvroSchemaPtr writerSchema;
    /// When set, each record starts with the Confluent header carrying this id.
    std::optional<int32_t> schemaId;
};

/// Writes each row as an Avro binary datum of `options.writerSchema`. Columns are matched
/// to record fields by name; every field must be a union with null (any position), since
/// every SQL value may be NULL, whose other branch takes the column's type without loss:
/// BOOLEAN boolean, BIGINT long, DOUBLE double, STRING string, BYTES bytes, DECIMAL(p,s) a
/// decimal (bytes, or fixed big enough) of scale s and precision ≥ p, TIMESTAMP
/// timestamp-micros (or timestamp-millis: microseconds are floored to milliseconds), DATE
/// date, ARRAY array, MAP map, STRUCT record (recursively). A field no column fills is
/// written as null. `encodeRow`/`encodeRecords` write one datum per row (for Kafka);
/// `encode` writes the datums back to back with no separator (a reader holding the schema
/// reads them in sequence); it is not an Avro object container file.
Result<std::unique_ptr<Encoder>> makeAvroEncoder(std::vector<EncodeColumn> columns, AvroEncoderOptions options);

}  // namespace ferris::codec
