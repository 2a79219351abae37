#include "memory_connectors.h"

#include <fmt/format.h>

#include "types/number_text.h"

namespace ferris::testing {

namespace {

/// A source over a MemoryTopic with real partitions, offsets and seek. Polls partitions
/// in order; ends once the topic has ended and every record has been read.
class MemorySource final : public connectors::Source {
public:
    MemorySource(std::string name, std::shared_ptr<MemoryTopic> topic) : name_(std::move(name)), topic_(std::move(topic)) {}

    Status open() override {
        next_.assign(topic_->partitions.size(), 0);
        return Status::ok();
    }

    Result<size_t> poll(size_t maxRecords, size_t maxBytes, std::chrono::microseconds,
                        types::RawBatch& out) override {
        size_t added = 0;
        size_t bytes = 0;
        for (size_t p = 0; p < topic_->partitions.size() && added < maxRecords; ++p) {
            auto& partition = topic_->partitions[p];
            while (next_[p] < partition.size() && added < maxRecords) {
                const auto& record = partition[next_[p]];
                if (!out.records.empty() && bytes + record->size() > maxBytes) return added;
                bytes += record->size();
                types::RawRecord raw;
                raw.value = *record;
                raw.partition = static_cast<int32_t>(p);
                raw.offset = static_cast<int64_t>(next_[p]);
                raw.headerBegin = raw.headerEnd = static_cast<uint32_t>(out.headers.size());
                out.records.push_back(raw);
                out.buffers.push_back(record);
                ++next_[p];
                ++added;
            }
        }
        return added;
    }

    bool exhausted() const override {
        if (!topic_->ended) return false;
        for (size_t p = 0; p < topic_->partitions.size(); ++p) {
            if (next_[p] < topic_->partitions[p].size()) return false;
        }
        return true;
    }
    bool bounded() const override { return true; }
    size_t partitionCount() const override { return topic_->partitions.size(); }

    std::string position() const override {
        std::string out = "[";
        for (size_t p = 0; p < next_.size(); ++p) out += (p ? "," : "") + std::to_string(next_[p]);
        return out + "]";
    }

    Status seek(std::string_view position) override {
        next_.assign(topic_->partitions.size(), 0);
        size_t p = 0;
        size_t start = 1;
        while (start < position.size() && p < next_.size()) {
            size_t end = position.find_first_of(",]", start);
            int64_t offset = 0;
            if (!types::parseInt64(position.substr(start, end - start), offset)) {
                return Status::internal(fmt::format("bad memory position '{}'", position));
            }
            next_[p++] = static_cast<size_t>(offset);
            start = end + 1;
        }
        return Status::ok();
    }

    std::string describe() const override { return "memory:" + name_; }

private:
    std::string name_;
    std::shared_ptr<MemoryTopic> topic_;
    std::vector<size_t> next_;
};

/// stdout, captured: every write appends to the world's buffer.
class CaptureSink final : public connectors::Sink {
public:
    CaptureSink(std::shared_ptr<std::string> text, std::string header,
                std::shared_ptr<MemoryWorld> world)
        : text_(std::move(text)), header_(std::move(header)), world_(std::move(world)) {}
    Status open(bool) override {
        *text_ += header_;
        return Status::ok();
    }
    Status write(const connectors::EncodedBatch& batch) override {
        *text_ += batch.data;
        if (world_->clock != nullptr)
            world_->clock->advance(world_->costMicrosPerRecord * batch.rows);
        return Status::ok();
    }
    Result<std::string> prepareCommit() override { return std::string("{}"); }
    Status commit() override { return Status::ok(); }
    Status restore(std::string_view) override { return Status::ok(); }
    std::string describe() const override { return "stdout"; }
    Status close() override { return Status::ok(); }

private:
    std::shared_ptr<std::string> text_;
    std::string header_;
    std::shared_ptr<MemoryWorld> world_;
};

}  // namespace

void registerMemoryConnectors(connectors::ConnectorRegistry& registry, std::shared_ptr<MemoryWorld> world) {
    connectors::ConnectorSpec source;
    source.type = "memory_source";
    source.role = connectors::ConnectorRole::kSource;
    source.description = "the SQL test runner's in-memory source";
    source.options = {
        {"partitions", connectors::OptionType::kInt, "1", false, {}, "number of partitions", "", ""},
        {"format", connectors::OptionType::kEnum, "json", false, {"json", "csv"}, "record format", "", ""},
        {"csv.delimiter", connectors::OptionType::kChar, ",", false, {}, "CSV field delimiter", "", "csv"},
        {"csv.quote", connectors::OptionType::kChar, "\"", false, {}, "CSV quote character", "", "csv"},
        {"event.time.field", connectors::OptionType::kString, "", false, {}, "event-time column", "", ""},
        {"event.time.format", connectors::OptionType::kString, "epoch_millis", false, {}, "event-time format", "", ""},
    };
    source.makeSource = [world](const connectors::ConnectorContext&,
                                const plan::ConnectorDecl& decl) -> Result<std::unique_ptr<connectors::Source>> {
        auto it = world->topics.find(decl.name);
        if (it == world->topics.end()) return Status::internal("no memory topic " + decl.name);
        return std::unique_ptr<connectors::Source>(std::make_unique<MemorySource>(decl.name, it->second));
    };
    registry.add(std::move(source));

    connectors::ConnectorSpec sink = *registry.find("stdout_sink");
    sink.makeSink = [world](
                        const connectors::ConnectorContext& context,
                        const plan::ConnectorDecl&) -> Result<std::unique_ptr<connectors::Sink>> {
        return std::unique_ptr<connectors::Sink>(
            std::make_unique<CaptureSink>(world->stdoutText, context.sinkHeader, world));
    };
    registry.replace(std::move(sink));
}

}  // namespace ferris::testing
