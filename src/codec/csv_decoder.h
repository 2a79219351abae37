#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/decoder.h"

namespace ferris::codec {

/// Splits one CSV record into fields: `delimiter`-separated, fields optionally quoted with
/// `quote` (a doubled quote inside is one quote). `quoted[i]` tells an empty quoted field
/// ("" = empty string) from an empty unquoted one (NULL). Unescaped fields are views of
/// `line`; escaped ones are written into `scratch`-backed storage owned by the caller.
/// Returns false on a malformed line (text after a closing quote, unterminated quote).
bool splitCsvLine(std::string_view line, const CsvOptions& options, std::vector<std::string_view>& fields,
                  std::vector<uint8_t>& quoted, types::StringArena& arena, std::string& error);

/// Decodes CSV records (one record per RawRecord) into typed columns: empty field = NULL,
/// `""` = empty string, numbers and decimals parsed from their text (never via double),
/// TIMESTAMP from epoch milliseconds or ISO-8601.
class CsvDecoder final : public Decoder {
public:
    CsvDecoder(std::vector<DecodeField> fields, std::vector<std::string> schemaOrder, CsvOptions options);

    /// Maps columns by the names in the header line. Unknown header names are ignored;
    /// a declared column the plan reads but the header lacks is an error.
    Status setHeader(std::string_view headerLine);
    bool expectsHeader() const { return options_.header; }

    void decode(std::span<const types::RawRecord> records, types::Batch& batch) override;

private:
    std::vector<DecodeField> fields_;
    std::vector<std::string> schemaOrder_;
    CsvOptions options_;
    std::vector<int> positions_;  ///< CSV field position of each DecodeField
    size_t headerFields_ = 0;     ///< fields in the header line (every record must have as many)
    std::vector<std::string_view> split_;
    std::vector<uint8_t> quoted_;
};

}  // namespace ferris::codec
