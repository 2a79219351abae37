#pragma once

#include <chrono>
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

/// A source reading a file in large chunks and handing out zero-copy views of its records.
/// Chunks carry SIMDJSON_PADDING spare bytes so JSON can be parsed in place. Positions are
/// `{"offset": bytes, "line": n}` of the next record.
///
/// Bounded by default: it ends at the end of the file. With `watch` it follows the file as it
/// grows (JSON lines and CSV): at the end it waits for more (woken by inotify), holds back a
/// last record until its line is complete, and follows a file that is truncated (reads it
/// again from the start) or replaced by a new file at the path (rotation: the old one is read
/// to its end first).
class FileSource final : public Source {
public:
    static constexpr size_t kDefaultChunkSize = 4 << 20;
    /// Watch mode: the longest unfinished record held while waiting for its end.
    static constexpr size_t kMaxHeldRecord = size_t{64} << 20;

    FileSource(std::filesystem::path path, FileFormat format, codec::CsvOptions csv,
               size_t chunkSize = kDefaultChunkSize, bool watch = false);
    ~FileSource() override;

    Status open() override;
    Result<size_t> poll(size_t maxRecords, size_t maxBytes, std::chrono::microseconds timeout,
                        types::RawBatch& out) override;
    bool exhausted() const override { return exhausted_; }
    bool bounded() const override { return !watch_; }
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
    /// Positions at the first record: past a UTF-8 byte order mark, on line 1.
    Status startOfFile();
    /// Watch mode, everything read: waits until there is more to read — the file grew, or was
    /// truncated or replaced (then, once the unfinished last record is handed out, it starts
    /// over) — true; false at `deadline`. Only looks, without waiting, when `wait` is false.
    Result<bool> awaitMore(std::chrono::steady_clock::time_point deadline, bool wait);
    /// Watch mode: starts over on a truncated file, or on the new file at the path (`inode`);
    /// false when that cannot be opened (yet).
    Result<bool> reopen(bool truncated, uint64_t inode);

    std::filesystem::path path_;
    FileFormat format_;
    codec::CsvOptions csv_;
    size_t chunkSize_;
    bool watch_;
    std::FILE* file_ = nullptr;
    int inotify_ = -1;          ///< watch mode: events of the file's folder
    bool headerPending_ = false;  ///< watch mode: the next record is a repeated CSV header
    bool flushTail_ = false;      ///< watch mode: the file ended for good; hand out its last record
    uint64_t unreadableInode_ = 0;  ///< watch mode: a new file at the path that could not be opened
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
