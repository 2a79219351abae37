// SchemaRegistryClient (src/codec/schema_registry.h) against tests/tools/schema_registry_fixture.py,
// a registry implementing the documented Confluent endpoints and error bodies: register,
// by id, by subject and version (latest included), compatibility, the client's caches, basic
// auth, timeouts, and each registry error surfacing with its error_code, message and URL.

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "codec/avro.h"
#include "codec/schema_registry.h"
#include "registry_process.h"
#include "types/batch.h"
#include "types/raw_record.h"

namespace ferris::codec {
namespace {

using testing::RegistryProcess;

std::unique_ptr<SchemaRegistryClient> connect(const std::string& url, std::string userInfo = "",
                                              std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    auto client = SchemaRegistryClient::make({url, std::move(userInfo), timeout});
    EXPECT_TRUE(client.isOk()) << client.status().toString();
    return client.isOk() ? std::move(client).value() : nullptr;
}

const std::string kV1 = R"({"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]})";
const std::string kV2 = R"({"type":"record","name":"Order","fields":[{"name":"id","type":"long"},)"
                        R"({"name":"note","type":["null","string"],"default":null}]})";
const std::string kNoDefault =
    R"({"type":"record","name":"Order","fields":[{"name":"id","type":"long"},{"name":"qty","type":"long"}]})";

TEST(SchemaRegistryTest, RegisterAndFetchByIdAndVersion) {
    RegistryProcess registry({});
    ASSERT_GT(registry.port(), 0);
    auto client = connect(registry.url());
    ASSERT_NE(client, nullptr);

    auto first = client->registerSchema("orders-value", kV1);
    ASSERT_TRUE(first.isOk()) << first.status().toString();
    EXPECT_EQ(*first, 1);
    auto second = client->registerSchema("orders-value", kV2);
    ASSERT_TRUE(second.isOk()) << second.status().toString();
    EXPECT_EQ(*second, 2);
    // The same schema under another subject keeps its global id.
    auto other = client->registerSchema("other-value", kV1);
    ASSERT_TRUE(other.isOk()) << other.status().toString();
    EXPECT_EQ(*other, 1);
    EXPECT_EQ(client->requestCount(), 3u);

    auto byId = client->schemaById(2);
    ASSERT_TRUE(byId.isOk()) << byId.status().toString();
    EXPECT_EQ(*byId, kV2);

    auto version1 = client->schemaByVersion("orders-value", "1");
    ASSERT_TRUE(version1.isOk()) << version1.status().toString();
    EXPECT_EQ(version1->subject, "orders-value");
    EXPECT_EQ(version1->id, 1);
    EXPECT_EQ(version1->version, 1);
    EXPECT_EQ(version1->schema, kV1);
    auto latest = client->latestSchema("orders-value");
    ASSERT_TRUE(latest.isOk()) << latest.status().toString();
    EXPECT_EQ(latest->id, 2);
    EXPECT_EQ(latest->version, 2);
    EXPECT_EQ(latest->schema, kV2);
    auto otherLatest = client->latestSchema("other-value");
    ASSERT_TRUE(otherLatest.isOk());
    EXPECT_EQ(otherLatest->id, 1);
    EXPECT_EQ(otherLatest->version, 1);

    // A second client (empty caches) registering a schema the subject holds gets its id back.
    auto fresh = connect(registry.url());
    ASSERT_NE(fresh, nullptr);
    auto again = fresh->registerSchema("orders-value", kV1);
    ASSERT_TRUE(again.isOk()) << again.status().toString();
    EXPECT_EQ(*again, 1);
    auto latestAfter = fresh->latestSchema("orders-value");
    ASSERT_TRUE(latestAfter.isOk());
    EXPECT_EQ(latestAfter->version, 2);  // no new version

    // Subjects are path segments: any character is sent percent-encoded.
    auto odd = fresh->registerSchema("a b/c%d", kV1);
    ASSERT_TRUE(odd.isOk()) << odd.status().toString();
    EXPECT_EQ(*odd, 1);
    auto oddLatest = fresh->latestSchema("a b/c%d");
    ASSERT_TRUE(oddLatest.isOk()) << oddLatest.status().toString();
    EXPECT_EQ(oddLatest->subject, "a b/c%d");
}

TEST(SchemaRegistryTest, CachesAnswerWithoutAskingTheRegistry) {
    RegistryProcess registry({});
    auto client = connect(registry.url());
    ASSERT_NE(client, nullptr);
    ASSERT_EQ(*client->registerSchema("t-value", kV1), 1);
    EXPECT_EQ(client->requestCount(), 1u);
    EXPECT_EQ(*client->registerSchema("t-value", kV1), 1);  // (subject, text) → id
    EXPECT_EQ(*client->schemaById(1), kV1);                 // registered texts are known by id
    EXPECT_EQ(client->requestCount(), 1u);

    auto reader = connect(registry.url());
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(*reader->schemaById(1), kV1);
    EXPECT_EQ(*reader->schemaById(1), kV1);
    EXPECT_EQ(reader->requestCount(), 1u);
    // "latest" may change: always asked; but what it returns is cached by id.
    EXPECT_EQ(reader->latestSchema("t-value")->id, 1);
    EXPECT_EQ(reader->latestSchema("t-value")->id, 1);
    EXPECT_EQ(reader->requestCount(), 3u);
    EXPECT_EQ(*reader->registerSchema("t-value", kV1), 1);
    EXPECT_EQ(reader->requestCount(), 3u);
}

TEST(SchemaRegistryTest, Compatibility) {
    RegistryProcess registry({});
    auto client = connect(registry.url());
    ASSERT_NE(client, nullptr);
    ASSERT_EQ(*client->registerSchema("orders-value", kV1), 1);
    auto added = client->isCompatible("orders-value", "latest", kV2);
    ASSERT_TRUE(added.isOk()) << added.status().toString();
    EXPECT_TRUE(*added);
    auto noDefault = client->isCompatible("orders-value", "1", kNoDefault);
    ASSERT_TRUE(noDefault.isOk()) << noDefault.status().toString();
    EXPECT_FALSE(*noDefault);
    auto changed = client->isCompatible("orders-value", "latest",
                                        R"({"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]})");
    ASSERT_TRUE(changed.isOk());
    EXPECT_FALSE(*changed);

    auto rejected = client->registerSchema("orders-value", kNoDefault);
    ASSERT_FALSE(rejected.isOk());
    EXPECT_EQ(rejected.status().message(),
              fmt::format("schema registry: POST {}/subjects/orders-value/versions failed: HTTP 409, error_code 409: "
                          "Incompatible schema",
                          registry.url()));
}

TEST(SchemaRegistryTest, RegistryErrorsCarryCodeMessageAndUrl) {
    RegistryProcess registry({});
    auto client = connect(registry.url());
    ASSERT_NE(client, nullptr);
    ASSERT_EQ(*client->registerSchema("orders-value", kV1), 1);
    std::string base = registry.url();

    auto noSchema = client->schemaById(99);
    ASSERT_FALSE(noSchema.isOk());
    EXPECT_EQ(noSchema.status().code(), ErrorCode::kInvalidValue);
    EXPECT_EQ(noSchema.status().category(), ErrorCategory::kUser);
    EXPECT_EQ(
        noSchema.status().message(),
        fmt::format("schema registry: GET {}/schemas/ids/99 failed: HTTP 404, error_code 40403: Schema not found.",
                    base));
    auto noSubject = client->schemaByVersion("missing-value", "1");
    ASSERT_FALSE(noSubject.isOk());
    EXPECT_EQ(noSubject.status().message(),
              fmt::format("schema registry: GET {}/subjects/missing-value/versions/1 failed: HTTP 404, error_code "
                          "40401: Subject not found.",
                          base));
    auto noVersion = client->schemaByVersion("orders-value", "7");
    ASSERT_FALSE(noVersion.isOk());
    EXPECT_EQ(noVersion.status().message(),
              fmt::format("schema registry: GET {}/subjects/orders-value/versions/7 failed: HTTP 404, error_code "
                          "40402: Version not found.",
                          base));
    auto badVersion = client->schemaByVersion("orders-value", "first");
    ASSERT_FALSE(badVersion.isOk());
    EXPECT_EQ(badVersion.status().message(),
              fmt::format("schema registry: GET {}/subjects/orders-value/versions/first failed: HTTP 422, error_code "
                          "42202: Invalid version",
                          base));
    auto invalid = client->registerSchema("orders-value", "{not json");
    ASSERT_FALSE(invalid.isOk());
    EXPECT_EQ(invalid.status().message(),
              fmt::format("schema registry: POST {}/subjects/orders-value/versions failed: HTTP 422, error_code 42201: "
                          "Invalid schema",
                          base));
    auto compatibilityOfNothing = client->isCompatible("missing-value", "latest", kV1);
    ASSERT_FALSE(compatibilityOfNothing.isOk());
    EXPECT_EQ(compatibilityOfNothing.status().message(),
              fmt::format("schema registry: POST {}/compatibility/subjects/missing-value/versions/latest failed: HTTP "
                          "404, error_code 40401: Subject not found.",
                          base));
    // A failed lookup is not cached: the registry is asked again.
    uint64_t before = client->requestCount();
    EXPECT_FALSE(client->schemaById(99).isOk());
    EXPECT_EQ(client->requestCount(), before + 1);
}

TEST(SchemaRegistryTest, UrlPathPrefixIsKept) {
    RegistryProcess registry({});
    auto client = connect(registry.url() + "/registry/");
    ASSERT_NE(client, nullptr);
    auto result = client->schemaById(1);
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().message(),
              fmt::format("schema registry: GET {}/registry/schemas/ids/1 failed: HTTP 404, error_code 404: HTTP 404 "
                          "Not Found",
                          registry.url()));
}

TEST(SchemaRegistryTest, BasicAuth) {
    RegistryProcess registry({"--user", "alice", "--password", "s3cret:x"});
    auto anonymous = connect(registry.url());
    ASSERT_NE(anonymous, nullptr);
    auto refused = anonymous->registerSchema("orders-value", kV1);
    ASSERT_FALSE(refused.isOk());
    EXPECT_EQ(refused.status().message(),
              fmt::format("schema registry: POST {}/subjects/orders-value/versions failed: HTTP 401, error_code 401: "
                          "Unauthorized",
                          registry.url()));
    auto wrong = connect(registry.url(), "alice:wrong");
    ASSERT_NE(wrong, nullptr);
    EXPECT_EQ(wrong->schemaById(1).status().message(),
              fmt::format("schema registry: GET {}/schemas/ids/1 failed: HTTP 401, error_code 401: Unauthorized",
                          registry.url()));
    // The password may itself hold a colon: only the first one separates.
    auto alice = connect(registry.url(), "alice:s3cret:x");
    ASSERT_NE(alice, nullptr);
    auto id = alice->registerSchema("orders-value", kV1);
    ASSERT_TRUE(id.isOk()) << id.status().toString();
    EXPECT_EQ(*id, 1);
    EXPECT_EQ(*alice->schemaById(1), kV1);

    auto malformed = SchemaRegistryClient::make({registry.url(), "alice", std::chrono::seconds(1)});
    ASSERT_FALSE(malformed.isOk());
    EXPECT_EQ(malformed.status().code(), ErrorCode::kConfigError);
    EXPECT_EQ(malformed.status().message(), "schema registry basic auth must be given as user:password");
}

TEST(SchemaRegistryTest, TimeoutsAndUnreachableRegistries) {
    RegistryProcess slow({"--delay-ms", "5000"});
    auto client = connect(slow.url(), "", std::chrono::milliseconds(300));
    ASSERT_NE(client, nullptr);
    auto late = client->schemaById(1);
    ASSERT_FALSE(late.isOk());
    EXPECT_EQ(late.status().category(), ErrorCategory::kSystem);
    EXPECT_EQ(late.status().code(), ErrorCode::kIoError);
    EXPECT_EQ(late.status().message(),
              fmt::format("schema registry: GET {}/schemas/ids/1 failed: no complete answer (timed out or connection "
                          "closed)",
                          slow.url()));

    // Port 1 on the loopback: nothing listens there (binding it needs privileges nobody grants tests).
    auto nowhere = connect("http://127.0.0.1:1", "", std::chrono::seconds(5));
    ASSERT_NE(nowhere, nullptr);
    auto refused = nowhere->schemaById(1);
    ASSERT_FALSE(refused.isOk());
    EXPECT_EQ(refused.status().message(),
              "schema registry: GET http://127.0.0.1:1/schemas/ids/1 failed: could not connect");

    auto badScheme = SchemaRegistryClient::make({"ftp://host", "", std::chrono::seconds(1)});
    ASSERT_FALSE(badScheme.isOk());
    EXPECT_EQ(badScheme.status().message(), "schema registry URL 'ftp://host' must start with http:// or https://");
}

TEST(SchemaRegistryTest, SubjectNameStrategies) {
    EXPECT_EQ(subjectName(SubjectNameStrategy::kTopicName, "orders", false, "com.acme.Order"), "orders-value");
    EXPECT_EQ(subjectName(SubjectNameStrategy::kTopicName, "orders", true, "com.acme.Order"), "orders-key");
    EXPECT_EQ(subjectName(SubjectNameStrategy::kRecordName, "orders", false, "com.acme.Order"), "com.acme.Order");
    EXPECT_EQ(subjectName(SubjectNameStrategy::kTopicRecordName, "orders", true, "com.acme.Order"),
              "orders-com.acme.Order");
}

TEST(SchemaRegistryTest, AvroThroughTheRegistry) {
    RegistryProcess registry({});
    auto client = connect(registry.url());
    ASSERT_NE(client, nullptr);
    std::shared_ptr<SchemaRegistryClient> shared(std::move(client));
    std::vector<EncodeColumn> columns = {{"id", types::DataType::bigint(), 0},
                                         {"amount", types::DataType::decimal(12, 3), 1}};
    auto schema = avroSchemaFor(columns, "Payment", "com.acme");
    ASSERT_TRUE(schema.isOk());
    std::string subject = subjectName(SubjectNameStrategy::kTopicName, "payments", false, "com.acme.Payment");
    // An older schema takes id 1, so the encoder's id is 2.
    ASSERT_EQ(*shared->registerSchema("unrelated-value", kV1), 1);
    auto id = shared->registerSchema(subject, (*schema)->text());
    ASSERT_TRUE(id.isOk()) << id.status().toString();
    EXPECT_EQ(*id, 2);

    types::Batch batch;
    batch.setNumRows(2);
    batch.columns().push_back(std::make_shared<types::Vector>(types::DataType::bigint(), 2));
    batch.columns().push_back(std::make_shared<types::Vector>(types::DataType::decimal(12, 3), 2));
    batch.column(0).values<int64_t>()[0] = 41;
    batch.column(0).setNull(1);
    batch.column(1).values<int64_t>()[0] = -123456;
    batch.column(1).values<int64_t>()[1] = 5;
    auto encoder = makeAvroEncoder(columns, {*schema, *id});
    ASSERT_TRUE(encoder.isOk());
    EncodedBatch encoded;
    (*encoder)->encodeRecords(batch, encoded);
    ASSERT_EQ(encoded.records.size(), 2u);

    // A reader that knows nothing but the registry.
    auto reader = connect(registry.url());
    ASSERT_NE(reader, nullptr);
    std::shared_ptr<SchemaRegistryClient> readerClient(std::move(reader));
    auto decoder =
        makeAvroDecoder({{"amount", types::DataType::decimal(12, 3), 0}, {"id", types::DataType::bigint(), 1}},
                        {nullptr, true, registryAvroResolver(readerClient), false});
    ASSERT_TRUE(decoder.isOk()) << decoder.status().toString();
    std::vector<types::RawRecord> records(3);
    records[0].value = encoded.value(encoded.records[0]);
    records[1].value = encoded.value(encoded.records[1]);
    std::string unknown = std::string("\0\0\0\0\x09\x02\x02", 7);
    records[2].value = unknown;
    types::Batch decoded;
    decoded.setNumRows(3);
    (*decoder)->decode(records, decoded);
    ASSERT_EQ(decoded.errors().size(), 1u);
    EXPECT_EQ(decoded.errors()[0].row, 2u);
    EXPECT_EQ(decoded.errors()[0].message,
              fmt::format("schema id 9: schema registry: GET {}/schemas/ids/9 failed: HTTP 404, error_code 40403: "
                          "Schema not found.",
                          registry.url()));
    EXPECT_EQ(decoded.column(0).values<int64_t>()[0], -123456);
    EXPECT_EQ(decoded.column(0).values<int64_t>()[1], 5);
    EXPECT_EQ(decoded.column(1).values<int64_t>()[0], 41);
    EXPECT_TRUE(decoded.column(1).isNull(1));
    EXPECT_EQ(readerClient->requestCount(), 2u);  // id 2 once, id 9 once
}

}  // namespace
}  // namespace ferris::codec
