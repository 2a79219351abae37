#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "codec/csv_decoder.h"
#include "codec/decoder.h"
#include "codec/encoder.h"
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

/// A sink's encoder, by its `format`. Avro through a schema registry registers its schema
/// when the job starts (not at validation): `atStart`, when set, returns the encoder that
/// frames records with the registered schema id, replacing `encoder`.
struct SinkEncoder {
    std::unique_ptr<codec::Encoder> encoder;
    std::function<Result<std::unique_ptr<codec::Encoder>>()> atStart;
};
Result<SinkEncoder> makeSinkEncoder(const plan::JobPlan& plan, const connectors::ConnectorSpec& spec,
                                    const std::vector<codec::EncodeColumn>& columns,
                                    const std::filesystem::path& baseDir);

}  // namespace ferris::runtime
