#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "codec/decoder.h"
#include "connectors/source.h"

namespace ferris::connectors {

/// Record framing of a file.
enum class FileFormat : uint8_t {
    kJsonLines,  ///< one JSON object per line (blank lines skipped)
    kJsonArray,  ///< one JSON array of objects
    kCsv,        ///< CSV lines (quoted fields may span lines)
};

/// A bounded source reading a file in large chunks and handing out zero-copy views of its
/// records. Chunks carry SIMDJSON_PADDING spare bytes so JSON can be parsed in place.
/// Positions are `{"offset": bytes, "line": n}` of the next record.
class FileSource final : public Source {
public:
    FileSource(std::filesystem::path path, FileFormat format, codec::CsvOptions csv, size_t chunkSize = 4 << 20);
    ~FileSource() override;

    Status open() override;
    Result<size_t> poll(size_t maxRecords, std::chrono::microseconds timeout, types::RawBatch& out) override;
    bool exhausted() const override { return exhausted_; }
    bool bounded() const override { return true; }
    std::string position() const override;
    Status seek(std::string_view position) override;
    std::optional<std::string> formatHeader() const override { return header_; }
    std::string describe() const override { return path_.string(); }
    /// CRC32C of the first and the last 64 KiB before the position's byte offset, with the
    /// offset: a file rewritten or truncated since the checkpoint is noticed.
    Result<std::string> contentDigest(std::string_view position) const override;
    Status close() override;

private:
    /// Reads the next chunk, keeping the unread tail of the current one. False at EOF.
    Result<bool> refill();
    /// Finds the end of the record starting at cursor_ (exclusive, before its terminator)
    /// and where the next one starts; false if the chunk holds no complete record.
    bool nextRecord(size_t& end, size_t& next, int64_t& lines);
    Status skipArrayOpening();

    std::filesystem::path path_;
    FileFormat format_;
    codec::CsvOptions csv_;
    size_t chunkSize_;
    std::FILE* file_ = nullptr;
    std::shared_ptr<std::string> chunk_;
    size_t chunkLength_ = 0;      ///< valid bytes in chunk_
    int64_t chunkOffset_ = 0;     ///< file offset of chunk_[0]
    size_t cursor_ = 0;           ///< next unread byte in chunk_
    int64_t line_ = 1;            ///< line number at cursor_
    bool eof_ = false;
    bool exhausted_ = false;
    bool arrayClosed_ = false;
    bool afterComma_ = false;  ///< JSON array: the last element ended with ','
    std::optional<std::string> header_;
};

}  // namespace ferris::connectors
