#include "codec/encoder.h"
#include "codec/value_text.h"
#include "common/base64.h"

namespace ferris::codec {

using types::Batch;
using types::TypeId;

namespace {

/// CSV lines: values as in JSON but unquoted; NULL is an empty field and the empty string
/// is `""`; strings holding the delimiter, the quote character, CR or LF are quoted, with
/// the quote character doubled inside.
class CsvEncoder final : public Encoder {
public:
    CsvEncoder(std::vector<EncodeColumn> columns, CsvWriteOptions options)
        : columns_(std::move(columns)), options_(options) {}

    std::string header() const override {
        if (!options_.header) return "";
        std::string line;
        for (size_t i = 0; i < columns_.size(); ++i) {
            if (i > 0) line += options_.delimiter;
            appendText(columns_[i].name, line);
        }
        return line + "\n";
    }

    void encode(const Batch& batch, std::string& out) override {
        for (uint32_t row : batch.selection()) {
            encodeRow(batch, row, out);
            out += '\n';
        }
    }

    void encodeRow(const Batch& batch, uint32_t row, std::string& out) override {
        char buffer[kValueTextMaxChars];
        for (size_t i = 0; i < columns_.size(); ++i) {
            if (i > 0) out += options_.delimiter;
            const auto& column = batch.column(static_cast<size_t>(columns_[i].slot));
            if (column.isNull(row)) continue;
            switch (column.type().id()) {
                case TypeId::kString: appendText(column.values<std::string_view>()[row], out); break;
                case TypeId::kBytes: {
                    std::string encoded;
                    base64Encode(column.values<std::string_view>()[row], encoded);
                    appendText(encoded, out);  // empty BYTES as "" (an empty field is NULL)
                    break;
                }
                default: out.append(buffer, formatScalar(column, row, options_.timestamps, buffer));
            }
        }
    }

private:
    void appendText(std::string_view text, std::string& out) const {
        const char q = options_.quote;
        bool quote = text.empty() || text.find_first_of(std::string{options_.delimiter, q, '\n', '\r'}) !=
                                         std::string_view::npos;
        if (!quote) {
            out += text;
            return;
        }
        out += q;
        for (char c : text) {
            if (c == q) out += q;
            out += c;
        }
        out += q;
    }

    std::vector<EncodeColumn> columns_;
    CsvWriteOptions options_;
};

}  // namespace

Result<std::unique_ptr<Encoder>> makeCsvEncoder(std::vector<EncodeColumn> columns, CsvWriteOptions options) {
    for (const auto& column : columns) {
        if (column.type.isNested()) {
            return Status::user(ErrorCode::kNotSupported,
                                "CSV cannot hold column '" + column.name + "' of type " + column.type.toString());
        }
    }
    return std::unique_ptr<Encoder>(std::make_unique<CsvEncoder>(std::move(columns), options));
}

}  // namespace ferris::codec
