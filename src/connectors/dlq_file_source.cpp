#include "connectors/dlq_file_source.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/base64.h"
#include "types/number_text.h"

namespace ferris::connectors {

DlqFileSource::DlqFileSource(std::filesystem::path path, int64_t start, int64_t end)
    : path_(std::move(path)), offset_(start), end_(end) {}

Status DlqFileSource::open() {
    in_.open(path_, std::ios::binary);
    if (!in_)
        return Status::ioError(
            fmt::format("cannot open the DLQ file {}: {}", path_.string(), std::strerror(errno)));
    return seek(std::to_string(offset_));
}

Status DlqFileSource::seek(std::string_view position) {
    int64_t offset = 0;
    if (!types::parseInt64(position, offset) || offset < 0) {
        return Status::internal(fmt::format("bad DLQ file position '{}'", position));
    }
    offset_ = offset;
    in_.clear();
    in_.seekg(offset_);
    if (!in_)
        return Status::ioError(
            fmt::format("cannot seek the DLQ file {} to byte {}", path_.string(), offset_));
    return Status::ok();
}

Result<size_t> DlqFileSource::poll(size_t maxRecords, size_t maxBytes,
                                   std::chrono::microseconds /*timeout*/, types::RawBatch& out) {
    simdjson::dom::parser parser;
    size_t count = 0;
    size_t bytes = 0;
    while (count < maxRecords && offset_ < end_) {
        int64_t at = offset_;
        if (!std::getline(in_, line_)) {
            return Status::ioError(
                fmt::format("the DLQ file {} ends at byte {}, before the {} bytes it had when the "
                            "replay started",
                            path_.string(), at, end_));
        }
        offset_ += static_cast<int64_t>(line_.size()) + 1;
        if (line_.empty()) continue;
        auto bad = [&](std::string_view what) {
            return Status::user(
                ErrorCode::kDecodeError,
                fmt::format("the DLQ file {} at byte {}: {}", path_.string(), at, what));
        };
        simdjson::dom::element entry;
        if (parser.parse(line_).get(entry) != simdjson::SUCCESS || !entry.is_object()) {
            return bad("not a DLQ entry (a JSON object per line)");
        }
        std::string_view text;
        if (entry["record"].get(text) != simdjson::SUCCESS)
            return bad("the entry has no \"record\" text");
        auto value = std::make_shared<std::string>();
        std::string_view encoding;
        if (entry["record_encoding"].get(encoding) == simdjson::SUCCESS && encoding == "base64") {
            if (!base64Decode(text, *value)) return bad("its \"record\" is not base64");
        } else {
            value->assign(text);
        }
        if (!out.records.empty() && bytes + value->size() > maxBytes) {
            // Over the byte budget: this entry is the next poll's first.
            offset_ = at;
            in_.clear();
            in_.seekg(at);
            break;
        }
        bytes += value->size();
        types::RawRecord record;
        record.value = *value;
        out.buffers.push_back(value);
        simdjson::dom::object position;
        if (entry["position"].get(position) == simdjson::SUCCESS) {
            int64_t number = 0;
            if (position["line"].get(number) == simdjson::SUCCESS) record.line = number;
            if (position["partition"].get(number) == simdjson::SUCCESS)
                record.partition = static_cast<int32_t>(number);
            if (position["offset"].get(number) == simdjson::SUCCESS) record.offset = number;
        }
        // The entry's failure as the ferris.* headers a DLQ topic record carries.
        auto headers = std::make_shared<std::string>();
        int64_t retries = 0;
        if (entry["retries"].get(retries) != simdjson::SUCCESS) retries = 0;
        std::string_view kind;
        if (entry["error_kind"].get(kind) != simdjson::SUCCESS) kind = {};
        headers->append(std::to_string(retries)).append(kind);
        out.buffers.push_back(headers);
        std::string_view stored = *headers;
        size_t digits = stored.size() - kind.size();
        record.headerBegin = static_cast<uint32_t>(out.headers.size());
        out.headers.push_back({"ferris.retries", stored.substr(0, digits), false});
        if (!kind.empty())
            out.headers.push_back({"ferris.error.kind", stored.substr(digits), false});
        record.headerEnd = static_cast<uint32_t>(out.headers.size());
        out.records.push_back(record);
        ++count;
    }
    return count;
}

Status DlqFileSource::close() {
    in_.close();
    return Status::ok();
}

}  // namespace ferris::connectors
