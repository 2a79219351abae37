#pragma once

// A client of the Confluent Schema Registry REST API (DESIGN.md §2.4).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/result.h"

namespace ferris::codec {

/// Where the registry is and how to talk to it.
struct SchemaRegistryConfig {
    /// "http://host:port" or "https://host:port", optionally with a path prefix
    /// ("http://host:8081/registry").
    std::string url;
    /// Basic authentication as "user:password" (the Confluent clients' basic.auth.user.info);
    /// empty for none.
    std::string basicAuthUserInfo;
    /// Limit for connecting, and for each read and write of a request.
    std::chrono::milliseconds timeout{30000};
};

/// How a subject is named for a topic (the Confluent serializers' subject.name.strategy).
enum class SubjectNameStrategy : uint8_t {
    kTopicName,        ///< "<topic>-key" / "<topic>-value" (the default)
    kRecordName,       ///< the record's full name
    kTopicRecordName,  ///< "<topic>-<record full name>"
};

/// The subject of a topic's key or value schema under `strategy`.
std::string subjectName(SubjectNameStrategy strategy, std::string_view topic, bool isKey,
                        std::string_view recordFullName);

/// A schema as registered under a subject.
struct RegisteredSchema {
    std::string subject;
    int32_t id = 0;
    int32_t version = 0;
    std::string schema;  ///< the schema text
};

/// A client of one schema registry, shared by the jobs that use it (thread-safe). Schema
/// texts are cached by id (they never change), and ids by (subject, schema text), so a
/// job asks the registry once per schema. A registry error becomes a Status whose message
/// carries the request, the URL, the HTTP status, and the registry's error_code and message:
/// `schema registry: GET http://host/schemas/ids/7 failed: HTTP 404, error_code 40403: Schema not found.`
/// (user errors for HTTP 4xx, system errors for 5xx and network failures).
class SchemaRegistryClient {
public:
    static Result<std::unique_ptr<SchemaRegistryClient>> make(SchemaRegistryConfig config);
    ~SchemaRegistryClient();
    SchemaRegistryClient(const SchemaRegistryClient&) = delete;
    SchemaRegistryClient& operator=(const SchemaRegistryClient&) = delete;

    /// Registers an Avro schema under `subject` (POST /subjects/{subject}/versions) and
    /// returns its global id; registering a schema already there returns its id.
    Result<int32_t> registerSchema(std::string_view subject, std::string_view schema);
    /// The schema text of a global id (GET /schemas/ids/{id}).
    Result<std::string> schemaById(int32_t id);
    /// A version of a subject (GET /subjects/{subject}/versions/{version}); `version` is a
    /// number or "latest".
    Result<RegisteredSchema> schemaByVersion(std::string_view subject, std::string_view version);
    Result<RegisteredSchema> latestSchema(std::string_view subject) { return schemaByVersion(subject, "latest"); }
    /// Whether `schema` is compatible with a version ("latest" or a number) of `subject`
    /// under the subject's compatibility level
    /// (POST /compatibility/subjects/{subject}/versions/{version}).
    Result<bool> isCompatible(std::string_view subject, std::string_view version, std::string_view schema);

    /// Number of HTTP requests sent so far (tests check the caches with it).
    uint64_t requestCount() const;

private:
    struct Connection;
    struct Response {
        int status = 0;
        std::string body;
    };

    SchemaRegistryClient(SchemaRegistryConfig config, std::unique_ptr<Connection> connection, std::string basePath);
    /// Sends a request; any non-2xx answer or transport failure becomes the Status.
    Result<std::string> send(std::string_view method, const std::string& path, const std::string* body);

    SchemaRegistryConfig config_;
    std::string basePath_;
    mutable std::mutex mutex_;
    std::unique_ptr<Connection> connection_;
    uint64_t requests_ = 0;
    std::unordered_map<int32_t, std::string> schemasById_;
    std::map<std::pair<std::string, std::string>, int32_t> idsBySubjectSchema_;
};

}  // namespace ferris::codec
