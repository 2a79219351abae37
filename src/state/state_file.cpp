#include "state/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "state/crc32c.h"

namespace ferris::state {
namespace {

/// Bytes read per read(2) call.
constexpr size_t kReadChunk = 1 << 20;
/// Longest varint of a 64-bit value.
constexpr size_t kMaxVarintBytes = 10;

size_t varintBytes(uint64_t value) {
    size_t bytes = 1;
    while (value >= 0x80) {
        value >>= 7;
        ++bytes;
    }
    return bytes;
}

void appendVarint(std::string& out, uint64_t value) {
    while (value >= 0x80) {
        out.push_back(static_cast<char>((value & 0x7F) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
}

/// Decodes a varint from the front of `in`, advancing it; false when malformed or cut off.
bool takeVarint(std::string_view& in, uint64_t& value) {
    value = 0;
    for (size_t i = 0; i < kMaxVarintBytes && i < in.size(); ++i) {
        auto byte = static_cast<uint8_t>(in[i]);
        if (i == kMaxVarintBytes - 1 && byte > 1) return false;  // past 64 bits
        value |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
        if ((byte & 0x80) == 0) {
            in.remove_prefix(i + 1);
            return true;
        }
    }
    return false;
}

bool takeBytes(std::string_view& in, std::string_view& bytes) {
    uint64_t length = 0;
    if (!takeVarint(in, length) || length > in.size()) return false;
    bytes = in.substr(0, length);
    in.remove_prefix(length);
    return true;
}

uint64_t payloadBytes(StoreId storeId, std::string_view key, std::string_view value) {
    return varintBytes(storeId) + 1 + varintBytes(key.size()) + key.size() +
           varintBytes(value.size()) + value.size();
}

void appendFixed32(std::string& out, uint32_t value) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

uint32_t readFixed32(std::string_view in) {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value |= static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << (8 * i);
    return value;
}

std::string_view kindName(StateFileKind kind) {
    return kind == StateFileKind::kSnapshot ? "snapshot" : "delta";
}

/// Reads a file sequentially through a window that can be asked to hold the next n bytes.
class ChunkReader {
public:
    ChunkReader(int fd, const std::filesystem::path& path) : fd_(fd), path_(path) {}

    /// Makes the next `count` bytes available (the caller knows the file holds them).
    Status ensure(size_t count) {
        if (end_ - begin_ >= count) return Status::ok();
        buffer_.erase(0, begin_);
        end_ -= begin_;
        begin_ = 0;
        buffer_.resize(std::max(buffer_.size(), std::max(count, kReadChunk)));
        while (end_ < count) {
            ssize_t got = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
            if (got < 0) {
                if (errno == EINTR) continue;
                return Status::ioError(
                    fmt::format("cannot read {}: {}", path_.string(), std::strerror(errno)));
            }
            if (got == 0) {
                return Status::ioError(
                    fmt::format("state file {} shrank while being read", path_.string()));
            }
            end_ += static_cast<size_t>(got);
        }
        return Status::ok();
    }
    /// The available bytes.
    std::string_view window() const {
        return std::string_view(buffer_).substr(begin_, end_ - begin_);
    }
    void consume(size_t count) { begin_ += count; }

private:
    int fd_;
    const std::filesystem::path& path_;
    std::string buffer_;
    size_t begin_ = 0;
    size_t end_ = 0;
};

class FileCloser {
public:
    explicit FileCloser(int fd) : fd_(fd) {}
    FileCloser(const FileCloser&) = delete;
    FileCloser& operator=(const FileCloser&) = delete;
    ~FileCloser() { ::close(fd_); }

private:
    int fd_;
};

}  // namespace

uint64_t encodedRecordBytes(StoreId storeId, std::string_view key, std::string_view value) {
    uint64_t payload = payloadBytes(storeId, key, value);
    return varintBytes(payload) + payload + 4;
}

void appendRecord(std::string& out, StoreId storeId, ChangeKind kind, std::string_view key,
                  std::string_view value) {
    appendVarint(out, payloadBytes(storeId, key, value));
    size_t payloadStart = out.size();
    appendVarint(out, storeId);
    out.push_back(static_cast<char>(kind));
    appendVarint(out, key.size());
    out.append(key);
    appendVarint(out, value.size());
    out.append(value);
    appendFixed32(out, crc32c(std::string_view(out).substr(payloadStart)));
}

Result<StateFileWriter> StateFileWriter::create(std::filesystem::path path, StateFileKind kind,
                                                StoreId storeId) {
    FERRIS_ASSIGN_OR_RETURN(DurableFileWriter file, DurableFileWriter::create(std::move(path)));
    file.buffer().append(kStateFileMagic);
    file.buffer().push_back(static_cast<char>(kStateFileFormatVersion));
    file.buffer().push_back(static_cast<char>(kind));
    return StateFileWriter(std::move(file), storeId);
}

Status StateFileWriter::append(ChangeKind kind, std::string_view key, std::string_view value) {
    appendRecord(file_.buffer(), storeId_, kind, key, value);
    ++records_;
    return file_.maybeFlush();
}

Status readStateFile(const std::filesystem::path& path, const StateFileExpectation& expected,
                     const RecordVisitor& visit) {
    const std::string name = path.string();
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return Status::ioError(fmt::format("cannot open state file {}: {}", name,
                                           std::strerror(errno)));
    }
    FileCloser closer(fd);
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        return Status::ioError(fmt::format("cannot stat {}: {}", name, std::strerror(errno)));
    }
    auto fileBytes = static_cast<uint64_t>(info.st_size);
    if (fileBytes != expected.bytes) {
        return Status::ioError(fmt::format(
            "state file {} is {}: it has {} bytes, the manifest records {}", name,
            fileBytes < expected.bytes ? "truncated" : "longer than written", fileBytes,
            expected.bytes));
    }
    if (fileBytes < kStateFileHeaderBytes) {
        return Status::ioError(fmt::format("state file {} is truncated: {} bytes, no header",
                                           name, fileBytes));
    }

    ChunkReader reader(fd, path);
    FERRIS_RETURN_IF_ERROR(reader.ensure(kStateFileHeaderBytes));
    std::string_view header = reader.window().substr(0, kStateFileHeaderBytes);
    if (header.substr(0, kStateFileMagic.size()) != kStateFileMagic) {
        return Status::ioError(fmt::format("{} is not a state file (bad magic at offset 0)", name));
    }
    if (static_cast<uint8_t>(header[6]) != kStateFileFormatVersion) {
        return Status::ioError(fmt::format(
            "state file {} has format version {}; this build reads version {}", name,
            static_cast<uint8_t>(header[6]), kStateFileFormatVersion));
    }
    if (static_cast<uint8_t>(header[7]) != static_cast<uint8_t>(expected.kind)) {
        return Status::ioError(fmt::format("state file {} is not a {} file (kind byte {})", name,
                                           kindName(expected.kind),
                                           static_cast<uint8_t>(header[7])));
    }
    reader.consume(kStateFileHeaderBytes);

    uint64_t offset = kStateFileHeaderBytes;
    uint64_t records = 0;
    while (offset < fileBytes) {
        auto corrupt = [&](std::string_view what) {
            return Status::ioError(fmt::format(
                "state file {} is corrupt at offset {} (record {}): {}", name, offset, records,
                what));
        };
        uint64_t remaining = fileBytes - offset;
        FERRIS_RETURN_IF_ERROR(
            reader.ensure(static_cast<size_t>(std::min<uint64_t>(remaining, kMaxVarintBytes))));
        std::string_view window = reader.window();
        uint64_t payloadLength = 0;
        if (!takeVarint(window, payloadLength)) return corrupt("malformed record length");
        uint64_t lengthBytes = reader.window().size() - window.size();
        if (payloadLength > remaining - lengthBytes || remaining - lengthBytes - payloadLength < 4) {
            return corrupt(fmt::format("record of {} payload bytes runs past the end of the file "
                                       "({} bytes remain)",
                                       payloadLength, remaining));
        }
        uint64_t recordBytes = lengthBytes + payloadLength + 4;
        FERRIS_RETURN_IF_ERROR(reader.ensure(static_cast<size_t>(recordBytes)));
        std::string_view record = reader.window().substr(0, recordBytes);
        std::string_view payload = record.substr(lengthBytes, payloadLength);
        uint32_t stored = readFixed32(record.substr(lengthBytes + payloadLength));
        uint32_t computed = crc32c(payload);
        if (stored != computed) {
            return corrupt(fmt::format("CRC mismatch (stored {:#010x}, computed {:#010x})", stored,
                                       computed));
        }

        uint64_t storeId = 0;
        std::string_view key;
        std::string_view value;
        if (!takeVarint(payload, storeId) || payload.empty()) return corrupt("malformed payload");
        auto kindByte = static_cast<uint8_t>(payload[0]);
        payload.remove_prefix(1);
        if (!takeBytes(payload, key) || !takeBytes(payload, value) || !payload.empty()) {
            return corrupt("malformed payload");
        }
        if (storeId != expected.storeId) {
            return corrupt(fmt::format("record of store {} in a file of store {}", storeId,
                                       expected.storeId));
        }
        ChangeKind kind;
        if (kindByte == static_cast<uint8_t>(ChangeKind::kPut)) {
            kind = ChangeKind::kPut;
        } else if (kindByte == static_cast<uint8_t>(ChangeKind::kErase) &&
                   expected.kind == StateFileKind::kDelta && value.empty()) {
            kind = ChangeKind::kErase;
        } else {
            return corrupt(fmt::format("unexpected record kind {} in a {} file", kindByte,
                                       kindName(expected.kind)));
        }
        visit(ChangeView{kind, key, value});
        reader.consume(static_cast<size_t>(recordBytes));
        offset += recordBytes;
        ++records;
    }
    if (records != expected.records) {
        return Status::ioError(fmt::format("state file {} holds {} records, the manifest records {}",
                                           name, records, expected.records));
    }
    return Status::ok();
}

}  // namespace ferris::state
