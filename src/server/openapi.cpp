// The OpenAPI 3.0 document of the REST API (§1.5), served at /openapi.json. A test checks
// that its paths and methods are exactly restRoutes().

#include "server/rest_server.h"

namespace ferris::server {

const std::string& openApiDocument() {
    static const std::string document = R"json({
"openapi":"3.0.3",
"info":{"title":"FerrisStreams ferris-sql-multi","version":"1","description":"Deploy and manage streaming SQL jobs. Errors are {\"error\":{\"code\",\"message\",\"details\"}}. With an auth token configured, every path but /health and /ready needs Authorization: Bearer <token>."},
"components":{
 "securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}},
 "schemas":{
  "Error":{"type":"object","properties":{"error":{"type":"object","properties":{"code":{"type":"string"},"message":{"type":"string"},"details":{"type":"array","items":{"$ref":"#/components/schemas/ErrorDetail"}}}}}},
  "ErrorDetail":{"type":"object","properties":{"code":{"type":"string"},"message":{"type":"string"},"line":{"type":"integer"},"column":{"type":"integer"}}},
  "JobSummary":{"type":"object","properties":{"name":{"type":"string"},"app":{"type":"string"},"state":{"type":"string","enum":["starting","running","paused","stopping","stopped","finished","failed"]},"reason":{"type":"string"},"records_in":{"type":"integer"},"records_out":{"type":"integer"},"records_failed":{"type":"integer"},"circuit_breaker":{"type":"string","enum":["closed","open","half_open"],"description":"with circuit.breaker.enabled"},"cpu_seconds":{"type":"number"},"state_bytes":{"type":"integer"},"memory_bytes":{"type":"integer"}}},
  "Job":{"allOf":[{"$ref":"#/components/schemas/JobSummary"},{"type":"object","properties":{"sql":{"type":"string"},"source":{"type":"object"},"sink":{"type":"object"},"bytes_in":{"type":"integer"},"batches":{"type":"integer"},"dlq_records":{"type":"integer"},"errors":{"type":"object","additionalProperties":{"type":"integer"}},"late_records":{"type":"object"},"restarts":{"type":"integer"},"uptime_seconds":{"type":"number"},"records_in_per_second":{"type":"number"},"latency_ms":{"type":"object","description":"processing_p50/p99 and, with record timestamps, end_to_end_p50/p99: the upper bound of the histogram bucket"},"lag":{"type":"array","items":{"type":"object","properties":{"partition":{"type":"integer"},"records":{"type":"integer"}}}},"watermark_delay_ms":{"type":"integer"},"config":{"type":"object"}}}]},
  "Deploy":{"type":"object","required":["sql"],"properties":{"sql":{"type":"string"},"name":{"type":"string","description":"the app's name; default @app, else file without .sql, else app"},"file":{"type":"string","description":"the SQL file's name, for the default app name"},"properties":{"type":"object","additionalProperties":{"type":"string"}}}}
 },
 "responses":{
  "Error":{"description":"an error","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},
  "Job":{"description":"the job","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Job"}}}}
 },
 "parameters":{"name":{"name":"name","in":"path","required":true,"schema":{"type":"string"}}}
},
"security":[{"bearer":[]}],
"paths":{
 "/health":{"get":{"summary":"the process serves","security":[],"responses":{"200":{"description":"ok"}}}},
 "/ready":{"get":{"summary":"the server has started and deployed its configured apps","security":[],"responses":{"200":{"description":"ready"},"503":{"description":"not ready yet"}}}},
 "/openapi.json":{"get":{"summary":"this document","responses":{"200":{"description":"OpenAPI 3.0"}}}},
 "/metrics":{"get":{"summary":"Prometheus text format","responses":{"200":{"description":"metrics","content":{"text/plain":{}}}}}},
 "/apps":{"post":{"summary":"deploy a SQL app, all or nothing","requestBody":{"required":true,"content":{"text/plain":{"schema":{"type":"string"}},"application/json":{"schema":{"$ref":"#/components/schemas/Deploy"}}}},"responses":{"201":{"description":"the app's jobs, started"},"400":{"$ref":"#/components/responses/Error"},"409":{"$ref":"#/components/responses/Error"},"413":{"$ref":"#/components/responses/Error"}}}},
 "/jobs":{"get":{"summary":"every job","responses":{"200":{"description":"{\"jobs\": [JobSummary]}"}}}},
 "/jobs/{name}":{"parameters":[{"$ref":"#/components/parameters/name"}],
  "get":{"summary":"a job's status","responses":{"200":{"$ref":"#/components/responses/Job"},"404":{"$ref":"#/components/responses/Error"}}},
  "delete":{"summary":"stop the job and forget it (its checkpoint stays)","responses":{"200":{"description":"{\"deleted\": name}"},"404":{"$ref":"#/components/responses/Error"}}}},
 "/jobs/{name}/pause":{"parameters":[{"$ref":"#/components/parameters/name"}],"post":{"summary":"commit, pause the partitions, keep polling","responses":{"200":{"$ref":"#/components/responses/Job"},"404":{"$ref":"#/components/responses/Error"},"409":{"$ref":"#/components/responses/Error"}}}},
 "/jobs/{name}/resume":{"parameters":[{"$ref":"#/components/parameters/name"}],"post":{"summary":"continue where the pause stopped","responses":{"200":{"$ref":"#/components/responses/Job"},"404":{"$ref":"#/components/responses/Error"},"409":{"$ref":"#/components/responses/Error"}}}},
 "/jobs/{name}/stop":{"parameters":[{"$ref":"#/components/parameters/name"}],"post":{"summary":"finish the batch, flush, commit, stop","responses":{"200":{"$ref":"#/components/responses/Job"},"404":{"$ref":"#/components/responses/Error"}}}},
 "/jobs/{name}/restart":{"parameters":[{"$ref":"#/components/parameters/name"}],"post":{"summary":"stop, then start again from the checkpoint","responses":{"200":{"$ref":"#/components/responses/Job"},"404":{"$ref":"#/components/responses/Error"}}}},
 "/jobs/{name}/dlq/replay":{"parameters":[{"$ref":"#/components/parameters/name"}],"post":{"summary":"re-process the records of the job's DLQ (topic or file) from where the last replay stopped to its end now; records that fail again go back to the DLQ with ferris.retries + 1","responses":{"200":{"description":"the replay is done","content":{"application/json":{"schema":{"type":"object","properties":{"job":{"type":"string"},"replayed":{"type":"integer"},"written":{"type":"integer"},"failed_again":{"type":"integer"},"filtered":{"type":"integer"}}}}}},"400":{"$ref":"#/components/responses/Error"},"404":{"$ref":"#/components/responses/Error"},"409":{"$ref":"#/components/responses/Error"},"501":{"$ref":"#/components/responses/Error"}}}},
 "/tables/{name}/{key}":{"parameters":[{"$ref":"#/components/parameters/name"},{"name":"key","in":"path","required":true,"schema":{"type":"string"}}],"get":{"summary":"the current row of a CREATE TABLE result by its key (the §1.4.1 key text: one column's text, or the compact JSON object of several)","responses":{"200":{"description":"{\"table\", \"key\", \"row\": {…}}"},"404":{"$ref":"#/components/responses/Error"}}}}
}
})json";
    return document;
}

}  // namespace ferris::server
