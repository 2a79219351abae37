#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "codec/csv_decoder.h"
#include "codec/decoder.h"
#include "codec/encoder.h"
#include "codec/key_format.h"
#include "common/result.h"
#include "connectors/connector_registry.h"
#include "plan/plan.h"

namespace ferris::runtime {

/// A source's decoder, by its `format`: json/jsonl, csv, string, bytes or avro.
struct SourceDecoder {
    std::unique_ptr<codec::Decoder> decoder;
    codec::CsvDecoder* csv = nullptr;  ///< the decoder, when it is CSV (its header comes at start)
};
Result<SourceDecoder> makeSourceDecoder(const plan::ConnectorDecl& decl, const connectors::ConnectorSpec& spec,
                                        std::vector<codec::DecodeField> fields, const std::filesystem::path& baseDir);

/// A Kafka source's key reader, by its `key.format`: null for string keys (the bytes are the
/// key text).
Result<std::unique_ptr<codec::KeyReader>> makeKeyReader(const plan::ConnectorDecl& decl,
                                                        const connectors::ConnectorSpec& spec,
                                                        const std::filesystem::path& baseDir);

/// A sink's encoder, by its `format`. Avro through a schema registry registers its schema
/// when the job starts (not at validation): `atStart`, when set, returns the encoder that
/// frames records with the registered schema id, replacing `encoder`.
struct SinkEncoder {
    std::unique_ptr<codec::Encoder> encoder;
    std::function<Result<std::unique_ptr<codec::Encoder>>()> atStart;
    /// Kafka sinks: the key format, and for avro keys the key columns' encoder (and, through
    /// a registry, `keyAtStart`, registering the key schema under the key subject).
    codec::KeyFormat keyFormat = codec::KeyFormat::kString;
    std::shared_ptr<codec::Encoder> keyEncoder;
    std::function<Result<std::shared_ptr<codec::Encoder>>()> keyAtStart;
};
Result<SinkEncoder> makeSinkEncoder(const plan::JobPlan& plan, const connectors::ConnectorSpec& spec,
                                    const std::vector<codec::EncodeColumn>& columns,
                                    const std::filesystem::path& baseDir);

}  // namespace ferris::runtime
