// The on-disk formats of checkpoints (src/state/): CRC-32C, the CRC-framed records of state
// files, the MANIFEST's JSON, state-file names, the state fingerprint, and the records of a
// transactional job's changelog topic.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "state/changelog_record.h"
#include "state/crc32c.h"
#include "state/manifest.h"
#include "state/state_file.h"
#include "state/state_fingerprint.h"

namespace ferris::state {
namespace {

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (int value : values) out.push_back(static_cast<char>(value));
    return out;
}

// ---- CRC-32C --------------------------------------------------------------------------------

TEST(Crc32cTest, KnownVectors) {
    EXPECT_EQ(crc32c(""), 0u);
    EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
    // RFC 3720 (iSCSI) appendix B.4.
    EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
    EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62A8AB43u);
    std::string ascending;
    for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
    EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
}

TEST(Crc32cTest, ExtendEqualsOnePass) {
    std::string text = "The quick brown fox jumps over the lazy dog, twice over.";
    for (size_t split = 0; split <= text.size(); ++split) {
        std::string_view view(text);
        EXPECT_EQ(crc32cExtend(crc32c(view.substr(0, split)), view.substr(split)), crc32c(text))
            << "split at " << split;
    }
}

// ---- records --------------------------------------------------------------------------------

TEST(StateRecordTest, PutRecordBytes) {
    std::string out;
    appendRecord(out, 1, ChangeKind::kPut, "a", "1");
    // length 6 | store 1, put, "a", "1" | CRC-32C 0x0F0469F1 little-endian
    EXPECT_EQ(out, bytes({0x06, 0x01, 0x01, 0x01, 'a', 0x01, '1', 0xF1, 0x69, 0x04, 0x0F}));
    EXPECT_EQ(encodedRecordBytes(1, "a", "1"), 11u);
}

TEST(StateRecordTest, EraseRecordWithATwoByteStoreId) {
    std::string out;
    appendRecord(out, 129, ChangeKind::kErase, "k", "");
    EXPECT_EQ(out, bytes({0x06, 0x81, 0x01, 0x02, 0x01, 'k', 0x00, 0x31, 0x30, 0x4A, 0xAF}));
    EXPECT_EQ(encodedRecordBytes(129, "k", ""), 11u);
}

TEST(StateRecordTest, SizesWithMultiByteLengths) {
    std::string key(200, 'k');
    std::string value(20000, 'v');
    std::string out;
    appendRecord(out, 5, ChangeKind::kPut, key, value);
    // payload: store 1 + kind 1 + (2 + 200) + (3 + 20000) = 20207, whose varint takes 3 bytes
    EXPECT_EQ(out.size(), 3u + 20207u + 4u);
    EXPECT_EQ(encodedRecordBytes(5, key, value), out.size());
}

// ---- file names ----------------------------------------------------------------------------

TEST(StateFileNameTest, FormatAndRecognition) {
    EXPECT_EQ(stateFileName(3, 17, false), "s3-17.delta");
    EXPECT_EQ(stateFileName(0, 1, true), "s0-1.snap");
    StoreId storeId = 99;
    bool snapshot = false;
    EXPECT_TRUE(isStateFileName("s3-17.delta", &storeId, &snapshot));
    EXPECT_EQ(storeId, 3u);
    EXPECT_FALSE(snapshot);
    EXPECT_TRUE(isStateFileName("s0-1.snap", &storeId, &snapshot));
    EXPECT_EQ(storeId, 0u);
    EXPECT_TRUE(snapshot);
    for (std::string_view name : {"s3-17.delta.tmp", "s03-17.delta", "s3-017.delta", "s3-0.snap",
                                  "s-1.snap", "s1-.snap", "s1.snap", "x1-1.snap", "s1-1.snapx",
                                  "../s1-1.snap", "s1-1", "MANIFEST", "s4294967296-1.snap",
                                  "s+1-1.snap"}) {
        EXPECT_FALSE(isStateFileName(name)) << name;
    }
    EXPECT_TRUE(isStateFileName("s4294967295-18446744073709551615.delta"));
}

// ---- MANIFEST -------------------------------------------------------------------------------

Manifest sampleManifest() {
    Manifest manifest;
    manifest.checkpointId = 12;
    manifest.info.fingerprint = "0123456789abcdef\nwindow \"1m\"\n";
    manifest.info.finished = true;
    manifest.info.blobs["source/orders/0"] = "{\"offset\":42}";
    manifest.info.blobs["sink/out"] = bytes({0x00, 0xFF, 0x10});
    manifest.info.blobs["utf8"] = "caf\xc3\xa9\t";
    manifest.stores[1].snapshot = StateFileRef{"s1-10.snap", 120, 4};
    manifest.stores[1].deltas = {{"s1-11.delta", 40, 2}, {"s1-12.delta", 19, 1}};
    manifest.stores[4].deltas = {{"s4-12.delta", 30, 2}};
    return manifest;
}

TEST(ManifestTest, EncodesReadableJson) {
    EXPECT_EQ(encodeManifest(sampleManifest()),
              R"({
  "format_version": 1,
  "checkpoint_id": 12,
  "fingerprint": "0123456789abcdef\nwindow \"1m\"\n",
  "finished": true,
  "blobs": {
    "sink/out": {"base64": "AP8Q"},
    "source/orders/0": "{\"offset\":42}",
    "utf8": "café\t"
  },
  "stores": [
    {
      "store_id": 1,
      "snapshot": {"file": "s1-10.snap", "bytes": 120, "records": 4},
      "deltas": [
        {"file": "s1-11.delta", "bytes": 40, "records": 2},
        {"file": "s1-12.delta", "bytes": 19, "records": 1}
      ]
    },
    {
      "store_id": 4,
      "snapshot": null,
      "deltas": [
        {"file": "s4-12.delta", "bytes": 30, "records": 2}
      ]
    }
  ]
}
)");
}

TEST(ManifestTest, EmptyManifestEncodes) {
    Manifest manifest;
    manifest.checkpointId = 1;
    EXPECT_EQ(encodeManifest(manifest), R"({
  "format_version": 1,
  "checkpoint_id": 1,
  "fingerprint": "",
  "finished": false,
  "blobs": {},
  "stores": []
}
)");
}

TEST(ManifestTest, RoundTrips) {
    Manifest manifest = sampleManifest();
    Result<Manifest> decoded = decodeManifest(encodeManifest(manifest), "M");
    ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
    EXPECT_EQ(decoded.value(), manifest);

    Manifest empty;
    empty.checkpointId = 1;
    decoded = decodeManifest(encodeManifest(empty), "M");
    ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
    EXPECT_EQ(decoded.value(), empty);
}

TEST(ManifestTest, DecodesEscapesAndIgnoresUnknownFields) {
    std::string text = R"({"format_version": 1, "checkpoint_id": 3, "future": [1, {"x": null}],
        "fingerprint": "a\u00e9\ud83d\ude00\/\b\f\r", "finished": false,
        "blobs": {"b": {"base64": "aGk="}}, "stores": []})";
    Result<Manifest> decoded = decodeManifest(text, "M");
    ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
    EXPECT_EQ(decoded->checkpointId, 3u);
    EXPECT_EQ(decoded->info.fingerprint, "a\xc3\xa9\xf0\x9f\x98\x80/\b\f\r");
    EXPECT_EQ(decoded->info.blobs, (std::map<std::string, std::string>{{"b", "hi"}}));
}

void expectDecodeError(std::string_view text, std::string_view message) {
    Result<Manifest> decoded = decodeManifest(text, "/dir/MANIFEST");
    ASSERT_FALSE(decoded.isOk()) << text;
    EXPECT_EQ(decoded.status().message(), message) << text;
    EXPECT_EQ(decoded.status().code(), ErrorCode::kIoError);
}

TEST(ManifestTest, RejectsBadDocuments) {
    const std::string head = R"({"format_version": 1, "checkpoint_id": 2, "fingerprint": "f", )"
                             R"("finished": false, "blobs": {}, )";
    expectDecodeError("", "manifest /dir/MANIFEST is unreadable: invalid JSON at offset 0: "
                          "expected a value, found the end");
    expectDecodeError(R"({"format_version": 1,)",
                      "manifest /dir/MANIFEST is unreadable: invalid JSON at offset 21: "
                      "expected a member name");
    expectDecodeError(R"({"a": 1} x)", "manifest /dir/MANIFEST is unreadable: invalid JSON at "
                                       "offset 9: expected the end of the document");
    expectDecodeError(R"({"a": -1})", "manifest /dir/MANIFEST is unreadable: invalid JSON at "
                                      "offset 6: expected a value");
    expectDecodeError(R"({"a": 1.5})", "manifest /dir/MANIFEST is unreadable: invalid JSON at "
                                       "offset 7: expected a non-negative integer");
    expectDecodeError("[]", "manifest /dir/MANIFEST is invalid: not a JSON object");
    expectDecodeError(R"({"format_version": 2, "checkpoint_id": 1})",
                      "manifest /dir/MANIFEST is invalid: format version 2 is not readable by "
                      "this build (it reads versions 1 to 1)");
    expectDecodeError(R"({"format_version": 1})",
                      "manifest /dir/MANIFEST is invalid: missing field \"checkpoint_id\"");
    expectDecodeError(R"({"format_version": 1, "checkpoint_id": "2"})",
                      "manifest /dir/MANIFEST is invalid: field \"checkpoint_id\" is not a "
                      "non-negative integer");
    expectDecodeError(head + R"("stores": [{"store_id": 1, "snapshot": )"
                             R"({"file": "../etc/passwd", "bytes": 1, "records": 1}, "deltas": []}]})",
                      "manifest /dir/MANIFEST is invalid: \"../etc/passwd\" is not a snapshot "
                      "file name of store 1");
    expectDecodeError(head + R"("stores": [{"store_id": 1, "snapshot": null, "deltas": )"
                             R"([{"file": "s2-1.delta", "bytes": 1, "records": 1}]}]})",
                      "manifest /dir/MANIFEST is invalid: \"s2-1.delta\" is not a delta file "
                      "name of store 1");
    expectDecodeError(head + R"("stores": [{"store_id": 1, "snapshot": null, "deltas": []}]})",
                      "manifest /dir/MANIFEST is invalid: store 1 lists no files");
    expectDecodeError(head + R"("stores": [{"store_id": 1, "snapshot": null, "deltas": )"
                             R"([{"file": "s1-1.delta", "bytes": 1, "records": 1}]}, )"
                             R"({"store_id": 1, "snapshot": null, "deltas": []}]})",
                      "manifest /dir/MANIFEST is invalid: store 1 appears twice");
    expectDecodeError(head + R"("stores": [{"store_id": 4294967296, "snapshot": null, )"
                             R"("deltas": []}]})",
                      "manifest /dir/MANIFEST is invalid: store_id 4294967296 is out of range");
}

// ---- fingerprint ----------------------------------------------------------------------------

TEST(StateFingerprintTest, HashIsFnv1aOfTheCanonicalText) {
    StateFingerprint empty;
    EXPECT_EQ(empty.canonicalText(), "");
    EXPECT_EQ(empty.hash(), 0xcbf29ce484222325ull);  // the FNV-1a offset basis
    EXPECT_EQ(empty.hashHex(), "cbf29ce484222325");

    StateFingerprint oneEmptyPart(std::vector<std::string>{""});
    EXPECT_EQ(oneEmptyPart.canonicalText(), "\n");
    EXPECT_EQ(oneEmptyPart.hashHex(), "af63c74c8601c8dd");
    EXPECT_FALSE(oneEmptyPart == empty);

    StateFingerprint query;
    query.add("tumble(1m) key=(STRING) SUM(BIGINT)");
    query.add("lag(DOUBLE)");
    EXPECT_EQ(query.canonicalText(), "tumble(1m) key=(STRING) SUM(BIGINT)\nlag(DOUBLE)\n");
    EXPECT_EQ(query.hashHex(), "351ca2b8feb6264e");
    EXPECT_EQ(query.encode(),
              "351ca2b8feb6264e\ntumble(1m) key=(STRING) SUM(BIGINT)\nlag(DOUBLE)\n");
}

TEST(StateFingerprintTest, LineBreaksInPartsBecomeSpaces) {
    StateFingerprint fingerprint;
    fingerprint.add("a\nb\rc");
    EXPECT_EQ(fingerprint.parts(), std::vector<std::string>{"a b c"});
}

TEST(StateFingerprintTest, DecodeRoundTripsAndChecksTheHash) {
    StateFingerprint query(std::vector<std::string>{"join(INT)", "", "count_distinct(STRING)"});
    Result<StateFingerprint> decoded = StateFingerprint::decode(query.encode());
    ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
    EXPECT_EQ(decoded->parts(), query.parts());

    decoded = StateFingerprint::decode(StateFingerprint().encode());
    ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
    EXPECT_TRUE(decoded->parts().empty());

    std::string tampered = query.encode();
    tampered[20] = 'X';
    EXPECT_EQ(StateFingerprint::decode(tampered).status().message(),
              "malformed state fingerprint (the hash does not match the parts)");
    EXPECT_EQ(StateFingerprint::decode("cbf29ce4").status().message(),
              "malformed state fingerprint (expected 16 hex digits and a line break)");
    EXPECT_EQ(StateFingerprint::decode("cbf29ce48422232g\n").status().message(),
              "malformed state fingerprint (bad hash digits)");
    EXPECT_EQ(StateFingerprint::decode("cbf29ce484222325\nx").status().message(),
              "malformed state fingerprint (the last part is unterminated)");
}

TEST(StateFingerprintTest, DescribeDifferenceNamesTheFirstDifference) {
    StateFingerprint checkpoint(std::vector<std::string>{"tumble(1m) SUM(BIGINT)", "lag(DOUBLE)"});
    StateFingerprint changed(std::vector<std::string>{"tumble(5m) SUM(BIGINT)", "lag(DOUBLE)"});
    StateFingerprint longer(
        std::vector<std::string>{"tumble(1m) SUM(BIGINT)", "lag(DOUBLE)", "join(INT)", "x"});
    StateFingerprint shorter(std::vector<std::string>{"tumble(1m) SUM(BIGINT)"});

    EXPECT_EQ(StateFingerprint::describeDifference(checkpoint, checkpoint), "");
    EXPECT_EQ(StateFingerprint::describeDifference(checkpoint, changed),
              "stateful operator 1: the checkpoint has `tumble(1m) SUM(BIGINT)`, the query has "
              "`tumble(5m) SUM(BIGINT)`");
    EXPECT_EQ(StateFingerprint::describeDifference(checkpoint, longer),
              "the query has 2 more stateful operators, the first being `join(INT)`");
    EXPECT_EQ(StateFingerprint::describeDifference(checkpoint, shorter),
              "the checkpoint has 1 more stateful operator, the first being `lag(DOUBLE)`");
}

TEST(ChangelogRecordTest, KeysAreTheBigEndianStoreIdThenTheEntryKey) {
    std::string key;
    changelog::appendKey(0x01020304u, std::string_view("g\0k", 3), key);
    EXPECT_EQ(key, bytes({1, 2, 3, 4, 'g', 0, 'k'}));
    key.clear();
    changelog::appendKey(changelog::kMetaStore, "watermark", key);
    EXPECT_EQ(key, bytes({0xFF, 0xFF, 0xFF, 0xFF}) + "watermark");
}

TEST(ChangelogRecordTest, AnEmptyValueIsNoTombstone) {
    std::string value;
    changelog::appendValue("", value);
    EXPECT_EQ(value, bytes({1}));
    std::string key = bytes({0, 0, 0, 7}) + "m";
    auto put = changelog::decode(key, std::string_view(value));
    ASSERT_TRUE(put.has_value());
    EXPECT_EQ(put->store, 7u);
    EXPECT_EQ(put->key, "m");
    ASSERT_TRUE(put->value.has_value());
    EXPECT_EQ(*put->value, "");
    auto erase = changelog::decode(key, std::nullopt);
    ASSERT_TRUE(erase.has_value());
    EXPECT_FALSE(erase->value.has_value());
}

TEST(ChangelogRecordTest, ForeignRecordsAreRefused) {
    EXPECT_FALSE(changelog::decode("abc", std::nullopt).has_value());  // no store id
    std::string key = bytes({0, 0, 0, 1});
    EXPECT_FALSE(changelog::decode(key, std::string_view("x")).has_value());  // no tag
    EXPECT_FALSE(changelog::decode(key, std::string_view()).has_value());     // an empty value
}

}  // namespace
}  // namespace ferris::state
