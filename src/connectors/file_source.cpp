#include "connectors/file_source.h"

#include <fcntl.h>
#include <poll.h>
#include <simdjson.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "common/log.h"
#include "state/crc32c.h"
#include "types/number_text.h"

namespace ferris::connectors {

namespace {
constexpr size_t kPadding = simdjson::SIMDJSON_PADDING;

bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
}  // namespace

FileSource::FileSource(std::filesystem::path path, FileFormat format, codec::CsvOptions csv, size_t chunkSize,
                       bool watch)
    : path_(std::move(path)), format_(format), csv_(csv), chunkSize_(chunkSize), watch_(watch) {}

FileSource::~FileSource() { (void)close(); }

Status FileSource::startOfFile() {
    chunk_.reset();
    chunkLength_ = cursor_ = 0;
    chunkOffset_ = 0;
    line_ = 1;
    eof_ = exhausted_ = arrayClosed_ = afterComma_ = flushTail_ = false;
    // A UTF-8 byte order mark at the start of the file is not part of the first record.
    char bom[3] = {0, 0, 0};
    if (std::fread(bom, 1, 3, file_) == 3 && std::memcmp(bom, "\xEF\xBB\xBF", 3) == 0) {
        chunkOffset_ = 3;
    } else if (std::fseek(file_, 0, SEEK_SET) != 0) {
        return Status::ioError(fmt::format("cannot seek {}: {}", path_.string(), std::strerror(errno)));
    }
    std::clearerr(file_);
    return Status::ok();
}

Status FileSource::open() {
    file_ = std::fopen(path_.c_str(), "rb");
    if (file_ == nullptr) {
        return Status::user(ErrorCode::kIoError,
                            fmt::format("cannot open {}: {}", path_.string(), std::strerror(errno)));
    }
    FERRIS_RETURN_IF_ERROR(startOfFile());
    if (watch_ && inotify_ < 0) {
        // Woken by the folder's events (the file growing, replaced, truncated); awaitMore()
        // also looks every 100 ms, for when inotify is unavailable or sees nothing (NFS).
        inotify_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        std::filesystem::path folder = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
        if (inotify_ >= 0 &&
            inotify_add_watch(inotify_, folder.c_str(),
                              IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
                                  IN_DELETE) < 0) {
            ::close(inotify_);
            inotify_ = -1;
        }
    }
    if (format_ == FileFormat::kJsonArray) FERRIS_RETURN_IF_ERROR(skipArrayOpening());
    if (format_ == FileFormat::kCsv && csv_.header) {
        types::RawBatch first;
        FERRIS_ASSIGN_OR_RETURN(size_t count,
                                poll(1, SIZE_MAX, std::chrono::microseconds(0), first));
        if (count == 0) {
            return Status::user(ErrorCode::kDecodeError,
                                watch_ ? fmt::format("{}: a watched CSV file needs its header line (ended by a "
                                                     "newline) when the job starts",
                                                     path_.string())
                                       : fmt::format("{}: empty CSV file: no header line", path_.string()));
        }
        header_ = std::string(first.records[0].value);
    }
    return Status::ok();
}

Status FileSource::close() {
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
    if (inotify_ >= 0) ::close(inotify_);
    inotify_ = -1;
    return Status::ok();
}

Result<bool> FileSource::reopen(bool truncated, uint64_t inode) {
    if (truncated) {
        FERRIS_LOG_WARN("-", "{} was truncated: reading it again from its start", path_.string());
        if (std::fseek(file_, 0, SEEK_SET) != 0) {
            return Status::ioError(fmt::format("cannot seek {}: {}", path_.string(), std::strerror(errno)));
        }
    } else {
        std::FILE* fresh = std::fopen(path_.c_str(), "rb");
        if (fresh == nullptr) {
            // Not readable (yet): waited on like no change at all, said once per new file.
            if (inode != unreadableInode_) {
                unreadableInode_ = inode;
                FERRIS_LOG_WARN("-", "{} was replaced by a file that cannot be opened ({}): waiting for it",
                                path_.string(), std::strerror(errno));
            }
            return false;
        }
        FERRIS_LOG_INFO("-", "{} was replaced (rotated): reading the new file from its start", path_.string());
        std::fclose(file_);
        file_ = fresh;
    }
    FERRIS_RETURN_IF_ERROR(startOfFile());
    headerPending_ = format_ == FileFormat::kCsv && csv_.header;
    return true;
}

Result<bool> FileSource::awaitMore(std::chrono::steady_clock::time_point deadline, bool wait) {
    while (true) {
        std::clearerr(file_);
        eof_ = false;
        struct stat open {};
        if (::fstat(fileno(file_), &open) != 0) {
            return Status::ioError(fmt::format("cannot stat {}: {}", path_.string(), std::strerror(errno)));
        }
        int64_t read = chunkOffset_ + static_cast<int64_t>(chunkLength_);  // bytes of the file read so far
        if (open.st_size > read) return true;
        struct stat named {};
        bool replaced = ::stat(path_.c_str(), &named) == 0 && (named.st_ino != open.st_ino || named.st_dev != open.st_dev);
        bool truncated = !replaced && open.st_size < read;
        if (replaced || truncated) {
            // The old content has ended for good: its unfinished last record goes out first.
            if (cursor_ < chunkLength_) {
                flushTail_ = true;
                eof_ = true;
                return true;
            }
            // The new content is read once it holds 3 bytes: whether it starts with a UTF-8
            // byte order mark is known then.
            if ((replaced ? named.st_size : open.st_size) >= 3) {
                FERRIS_ASSIGN_OR_RETURN(bool switched,
                                        reopen(truncated, static_cast<uint64_t>(replaced ? named.st_ino : open.st_ino)));
                if (switched) return true;
            }
        }
        eof_ = true;
        auto now = std::chrono::steady_clock::now();
        if (!wait || now >= deadline) return false;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + std::chrono::milliseconds(1);
        if (inotify_ >= 0) {
            pollfd events{inotify_, POLLIN, 0};
            // Also looked at every 100 ms: on some file systems (NFS, FUSE) inotify sees nothing.
            int waited = ::poll(&events, 1, static_cast<int>(std::min<int64_t>(left.count(), 100)));
            if (waited > 0) {
                alignas(inotify_event) char drain[4096];
                while (::read(inotify_, drain, sizeof drain) > 0) {
                }
            }
        } else {
            std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(100)));
        }
    }
}

Result<bool> FileSource::refill() {
    if (eof_) return false;
    if (watch_ && chunk_ != nullptr && chunkLength_ + kPadding < chunk_->size()) {
        // A followed file grows a little at a time: read on into the room the chunk has
        // (records handed out before are untouched; only the padding after them is reused).
        size_t room = chunk_->size() - kPadding - chunkLength_;
        size_t read = std::fread(chunk_->data() + chunkLength_, 1, room, file_);
        if (read < room) {
            if (std::ferror(file_)) {
                return Status::ioError(fmt::format("cannot read {}: {}", path_.string(), std::strerror(errno)));
            }
            eof_ = true;
        }
        chunkLength_ += read;
        return read > 0;
    }
    size_t tail = chunkLength_ - cursor_;
    if (watch_ && tail > kMaxHeldRecord) {
        return Status::user(ErrorCode::kDecodeError,
                            fmt::format("{}:{}: a record of more than {} MiB has not ended (a followed file's last "
                                        "record is held until its line ends)",
                                        path_.string(), line_, kMaxHeldRecord >> 20));
    }
    size_t capacity = std::max(chunkSize_, tail * 2);
    auto fresh = std::make_shared<std::string>();
    fresh->resize(capacity + kPadding);
    if (tail > 0) std::memcpy(fresh->data(), chunk_->data() + cursor_, tail);
    size_t read = std::fread(fresh->data() + tail, 1, capacity - tail, file_);
    if (read < capacity - tail) {
        if (std::ferror(file_)) {
            return Status::ioError(fmt::format("cannot read {}: {}", path_.string(), std::strerror(errno)));
        }
        eof_ = true;
    }
    chunkOffset_ += static_cast<int64_t>(cursor_);
    chunk_ = std::move(fresh);
    chunkLength_ = tail + read;
    cursor_ = 0;
    return read > 0;
}

bool FileSource::nextRecord(size_t& end, size_t& next, int64_t& lines) {
    const char* data = chunk_->data();
    lines = 0;
    // A line's terminator (LF or CRLF) is not part of the record.
    auto endLine = [&](size_t newline) {
        end = newline > cursor_ && data[newline - 1] == '\r' ? newline - 1 : newline;
        next = newline + 1;
    };
    if (format_ == FileFormat::kJsonLines) {
        const void* found = std::memchr(data + cursor_, '\n', chunkLength_ - cursor_);
        if (found == nullptr) return false;
        endLine(static_cast<size_t>(static_cast<const char*>(found) - data));
        lines = 1;
        return true;
    }
    if (format_ == FileFormat::kCsv) {
        // As splitCsvLine reads fields: a quote opens a quoted field only at the start of a
        // field; inside one, a doubled quote is a quote and a single one closes it.
        bool quoted = false;
        bool fieldStart = true;
        for (size_t i = cursor_; i < chunkLength_; ++i) {
            char c = data[i];
            if (quoted) {
                if (c == csv_.quote) {
                    if (i + 1 < chunkLength_ && data[i + 1] == csv_.quote) {
                        ++i;
                    } else if (i + 1 >= chunkLength_ && !eof_) {
                        return false;  // is the next byte a quote? read more first
                    } else {
                        quoted = false;
                    }
                } else if (c == '\n') {
                    ++lines;
                }
                continue;
            }
            if (c == '\n') {
                ++lines;
                endLine(i);
                return true;
            }
            if (fieldStart && c == csv_.quote) {
                quoted = true;
            }
            fieldStart = c == csv_.delimiter;
        }
        return false;
    }
    // JSON array: an element ends at a ',' or ']' at depth 0 outside strings.
    int depth = 0;
    bool inString = false;
    for (size_t i = cursor_; i < chunkLength_; ++i) {
        char c = data[i];
        if (c == '\n') ++lines;
        if (inString) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                inString = false;
            }
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (depth == 0) {  // the closing ']' of the array
                end = i;
                next = i;  // leave the ']' for the caller to see
                return true;
            }
            --depth;
        } else if (c == ',' && depth == 0) {
            end = i;
            next = i + 1;
            return true;
        }
    }
    return false;
}

Status FileSource::skipArrayOpening() {
    while (true) {
        while (cursor_ < chunkLength_ && isSpace(chunk_->data()[cursor_])) {
            if (chunk_->data()[cursor_] == '\n') ++line_;
            ++cursor_;
        }
        if (cursor_ < chunkLength_) break;
        FERRIS_ASSIGN_OR_RETURN(bool more, refill());
        if (!more) {
            return Status::user(ErrorCode::kDecodeError,
                                fmt::format("{}: empty file where a JSON array was expected", path_.string()));
        }
    }
    if (chunk_->data()[cursor_] != '[') {
        return Status::user(ErrorCode::kDecodeError,
                            fmt::format("{}:{}: expected a JSON array ('['), the file's format is 'json'",
                                        path_.string(), line_));
    }
    ++cursor_;
    return Status::ok();
}

Result<size_t> FileSource::poll(size_t maxRecords, size_t maxBytes,
                                std::chrono::microseconds timeout, types::RawBatch& out) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t added = 0;
    size_t bytes = 0;
    bool chunkUsed = false;  // a record of this poll points into chunk_
    auto pinChunk = [&] {
        if (chunkUsed) out.buffers.push_back(chunk_);
        chunkUsed = false;
    };
    while (added < maxRecords && !exhausted_) {
        if (chunk_ == nullptr || cursor_ >= chunkLength_) {
            pinChunk();
            FERRIS_ASSIGN_OR_RETURN(bool more, refill());
            if (!more && cursor_ >= chunkLength_ && watch_) {
                FERRIS_ASSIGN_OR_RETURN(bool ready, awaitMore(deadline, added == 0));
                if (ready) continue;
                break;
            }
            if (!more && cursor_ >= chunkLength_) {
                if (format_ == FileFormat::kJsonArray && !arrayClosed_) {
                    return Status::user(ErrorCode::kDecodeError,
                                        fmt::format("{}:{}: the JSON array is not closed with ']'", path_.string(), line_));
                }
                exhausted_ = true;
                break;
            }
        }
        if (format_ == FileFormat::kJsonArray) {
            // Skip separators and whitespace; ']' closes the array.
            while (cursor_ < chunkLength_ && isSpace(chunk_->data()[cursor_])) {
                if (chunk_->data()[cursor_] == '\n') ++line_;
                ++cursor_;
            }
            if (cursor_ >= chunkLength_) continue;
            if (chunk_->data()[cursor_] == ']') {
                if (afterComma_) {
                    return Status::user(ErrorCode::kDecodeError,
                                        fmt::format("{}:{}: a comma before the ']' that closes the JSON array",
                                                    path_.string(), line_));
                }
                arrayClosed_ = true;
                ++cursor_;
                // Only whitespace may follow the array, however many chunks it takes.
                while (true) {
                    while (cursor_ < chunkLength_ && isSpace(chunk_->data()[cursor_])) {
                        if (chunk_->data()[cursor_] == '\n') ++line_;
                        ++cursor_;
                    }
                    if (cursor_ < chunkLength_) {
                        return Status::user(ErrorCode::kDecodeError,
                                            fmt::format("{}:{}: content after the end of the JSON array",
                                                        path_.string(), line_));
                    }
                    if (eof_) break;
                    pinChunk();
                    FERRIS_ASSIGN_OR_RETURN(bool more, refill());
                    if (!more) break;
                }
                exhausted_ = true;
                break;
            }
        }
        size_t end = 0;
        size_t next = 0;
        int64_t lines = 0;
        if (!nextRecord(end, next, lines)) {
            if (!eof_) {
                pinChunk();
                FERRIS_ASSIGN_OR_RETURN(bool more, refill());
                if (more) continue;
            }
            if (watch_ && !flushTail_) {
                // The last line is not complete yet: wait for the rest of it.
                FERRIS_ASSIGN_OR_RETURN(bool ready, awaitMore(deadline, added == 0));
                if (ready) continue;
                break;
            }
            flushTail_ = false;
            // The last record has no terminator.
            end = chunkLength_;
            next = chunkLength_;
            if (format_ == FileFormat::kJsonArray) {
                return Status::user(ErrorCode::kDecodeError,
                                    fmt::format("{}:{}: the JSON array is not closed with ']'", path_.string(), line_));
            }
        }
        std::string_view text(chunk_->data() + cursor_, end - cursor_);
        int64_t startLine = line_;
        int64_t startOffset = chunkOffset_ + static_cast<int64_t>(cursor_);
        if (format_ == FileFormat::kJsonArray) {
            while (!text.empty() && isSpace(text.back())) text.remove_suffix(1);
            while (!text.empty() && isSpace(text.front())) {
                if (text.front() == '\n') ++startLine;
                text.remove_prefix(1);
            }
        }
        // Over the byte budget: the record stays for the next poll (nothing has moved yet).
        if (!out.records.empty() && bytes + text.size() > maxBytes) break;
        size_t paddingAfter = chunk_->size() - static_cast<size_t>(text.data() + text.size() - chunk_->data());
        if (format_ == FileFormat::kJsonArray) afterComma_ = next > end;  // ended at ',' (']' is left)
        cursor_ = next;
        line_ += lines;
        bool blank = std::all_of(text.begin(), text.end(), [](char c) { return c == '\r' || c == ' ' || c == '\t'; });
        if (blank && format_ != FileFormat::kJsonArray) continue;
        if (headerPending_) {
            // A file read again from its start repeats the header the decoder was set up with.
            headerPending_ = false;
            if (header_ && text != *header_) {
                return Status::user(ErrorCode::kDecodeError,
                                    fmt::format("{}:{}: the header line of the file read again ('{}') is not the one "
                                                "the job started with ('{}')",
                                                path_.string(), startLine, text, *header_));
            }
            continue;
        }
        types::RawRecord record;
        record.value = text;
        record.offset = startOffset;
        record.line = startLine;
        record.paddingAfter = static_cast<uint32_t>(paddingAfter);
        out.records.push_back(record);
        chunkUsed = true;
        bytes += text.size();
        ++added;
    }
    pinChunk();
    return added;
}

std::string FileSource::position() const {
    if (format_ == FileFormat::kJsonArray) {
        return fmt::format("{{\"offset\":{},\"line\":{},\"array_closed\":{}}}",
                           chunkOffset_ + static_cast<int64_t>(cursor_), line_, arrayClosed_ ? 1 : 0);
    }
    if (headerPending_) {  // a followed CSV file read again from its start: its header comes next
        return fmt::format("{{\"offset\":{},\"line\":{},\"header_pending\":1}}",
                           chunkOffset_ + static_cast<int64_t>(cursor_), line_);
    }
    return fmt::format("{{\"offset\":{},\"line\":{}}}", chunkOffset_ + static_cast<int64_t>(cursor_), line_);
}

Status FileSource::seek(std::string_view position) {
    // {"offset":N,"line":L}
    auto number = [&](std::string_view key, int64_t& out) {
        size_t at = position.find(key);
        if (at == std::string_view::npos) return false;
        size_t start = at + key.size();
        size_t end = position.find_first_of(",}", start);
        return types::parseInt64(position.substr(start, end - start), out);
    };
    int64_t offset = 0;
    int64_t line = 0;
    if (!number("\"offset\":", offset) || !number("\"line\":", line)) {
        return Status::internal(fmt::format("bad file position '{}'", position));
    }
    if (file_ == nullptr) FERRIS_RETURN_IF_ERROR(open());
    if (std::fseek(file_, offset, SEEK_SET) != 0) {
        return Status::ioError(fmt::format("cannot seek {} to {}: {}", path_.string(), offset, std::strerror(errno)));
    }
    chunk_.reset();
    chunkLength_ = cursor_ = 0;
    chunkOffset_ = offset;
    line_ = line;
    eof_ = exhausted_ = flushTail_ = false;
    int64_t pending = 0;
    headerPending_ = number("\"header_pending\":", pending) && pending == 1;
    int64_t closed = 0;
    arrayClosed_ = number("\"array_closed\":", closed) && closed == 1;
    if (arrayClosed_) exhausted_ = true;  // only whitespace can follow a closed array
    return Status::ok();
}

Result<std::string> FileSource::contentDigest(std::string_view position) const {
    size_t at = position.find("\"offset\":");
    int64_t offset = 0;
    if (at == std::string_view::npos ||
        !types::parseInt64(position.substr(at + 9, position.find_first_of(",}", at + 9) - at - 9), offset)) {
        return Status::internal(fmt::format("bad file position '{}'", position));
    }
    // The file being read (a followed file may have been replaced at the path since).
    int fd = file_ != nullptr ? fileno(file_) : ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return Status::user(ErrorCode::kIoError, fmt::format("cannot open {}: {}", path_.string(), std::strerror(errno)));
    }
    constexpr int64_t kSpan = 64 * 1024;
    std::string buffer;
    uint32_t head = 0;
    uint32_t tail = 0;
    bool ok = true;
    auto crcOf = [&](int64_t from, int64_t length, uint32_t& crc) {
        buffer.resize(static_cast<size_t>(length));
        if (length == 0) return;
        size_t got = 0;  // pread leaves the position of file_ as it is
        while (got < buffer.size()) {
            ssize_t read = ::pread(fd, buffer.data() + got, buffer.size() - got, from + static_cast<int64_t>(got));
            if (read <= 0) break;
            got += static_cast<size_t>(read);
        }
        if (got != buffer.size()) {
            ok = false;  // shorter than the checkpoint's offset: certainly not the same input
            return;
        }
        crc = state::crc32c(buffer);
    };
    crcOf(0, std::min(offset, kSpan), head);
    crcOf(std::max<int64_t>(0, offset - kSpan), std::min(offset, kSpan), tail);
    if (file_ == nullptr) ::close(fd);
    if (!ok) return fmt::format("{}:short", offset);
    return fmt::format("{}:{:08x}:{:08x}", offset, head, tail);
}

}  // namespace ferris::connectors
