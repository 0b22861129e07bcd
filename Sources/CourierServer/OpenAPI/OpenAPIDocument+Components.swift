extension OpenAPIDocument {
    /// Schemas, shared parameters and answers. Request schemas say `additionalProperties: false`
    /// because the server refuses unknown fields; answer schemas do not, so that a field added
    /// later is not a breaking change for clients that validate what they read. Where a request
    /// and an answer differ (credentials go in and never come out; a method is read in any case
    /// and shown upper-case), they are separate schemas.
    static let components = #"""
        {
          "securitySchemes": {
            "bearerAuth": {
              "type": "http",
              "scheme": "bearer",
              "description": "A tenant token (made with `POST /v1/tenants/{tenant}/tokens`) acts on its own tenant. The admin token (`COURIER_ADMIN_TOKEN`, or the one printed on first start) acts on any tenant, named in `Courier-Tenant`. Tokens are stored only as SHA-256 hashes."
            }
          },
          "parameters": {
            "CourierTenant": {
              "name": "Courier-Tenant",
              "in": "header",
              "required": false,
              "description": "The tenant to act on. With the admin token: any existing tenant (`404 tenant_not_found` otherwise), `default` when absent. With a tenant token: only its own tenant (`403 wrong_tenant` otherwise).",
              "schema": { "$ref": "#/components/schemas/TenantID" }
            },
            "SessionUID": {
              "name": "uid",
              "in": "path",
              "required": true,
              "description": "Any text of 1 to 512 bytes without control characters (`applicant:42`), percent-encoded.",
              "schema": { "type": "string", "minLength": 1 }
            },
            "InstanceName": {
              "name": "instance",
              "in": "path",
              "required": true,
              "description": "`task#n`, its `#` percent-encoded (`create%231`).",
              "schema": { "type": "string", "examples": ["create#1"] }
            },
            "BackendName": {
              "name": "name",
              "in": "path",
              "required": true,
              "description": "The backend endpoint's `name`.",
              "schema": { "type": "string" }
            },
            "Limit": {
              "name": "limit",
              "in": "query",
              "required": false,
              "description": "Page size.",
              "schema": { "type": "integer", "minimum": 1, "maximum": 500, "default": 50 }
            },
            "Cursor": {
              "name": "cursor",
              "in": "query",
              "required": false,
              "description": "The `nextCursor` of the previous page. A value this list did not give out is refused with `400` (`field: cursor`).",
              "schema": { "type": "string" }
            }
          },
          "requestBodies": {
            "NoFields": {
              "required": false,
              "description": "Nothing: an empty body or `{}`. Anything else is refused with `400`.",
              "content": {
                "application/json": {
                  "schema": { "type": "object", "maxProperties": 0 }
                }
              }
            }
          },
          "responses": {
            "BadRequest": \#(errorAnswer("A missing body or malformed JSON (`invalid_json`), a wrong type, a missing or invalid value (`invalid_request`, `invalid_url`, `invalid_secret`, `private_target`, `unknown_backend`), or an unknown field or query parameter (`unknown_field`). `field` names what is wrong, as a path (`url`, `retry.delays[2]`, `[3].type`).")),
            "Unauthorized": {
              "description": "No token, a malformed `Authorization` header, or a token that is not valid (`unauthenticated`).",
              "headers": {
                "WWW-Authenticate": { "schema": { "type": "string", "const": "Bearer" } }
              },
              "content": \#(errorContent)
            },
            "Forbidden": \#(errorAnswer("A tenant token naming another tenant in `Courier-Tenant` (`wrong_tenant`), or doing the admin's work (`admin_only`).")),
            "NotFound": \#(errorAnswer("No such object in the tenant (`not_found`); another tenant's object gets exactly the same answer. Also the admin naming a tenant that does not exist in `Courier-Tenant` (`tenant_not_found`).")),
            "Conflict": \#(errorAnswer("The object's state does not allow this (`invalid_state`, `task_delivery`, `conflict`), or a unique name is taken (`tenant_exists`, `endpoint_name_taken`).")),
            "ContentTooLarge": \#(errorAnswer("The body is larger than the server's limit (`--max-body-size`, 1 MiB by default): `body_too_large`.")),
            "Unavailable": \#(errorAnswer("The store cannot be reached, did not answer in time, or has failed for good (`store_unavailable`). Worth retrying later."))
          },
          "schemas": {
            "Error": {
              "type": "object",
              "required": ["error"],
              "properties": {
                "error": { "$ref": "#/components/schemas/ErrorDetail" }
              }
            },
            "ErrorDetail": {
              "type": "object",
              "required": ["code", "message"],
              "properties": {
                "code": { "type": "string", "description": "Stable and machine-readable.", "examples": ["invalid_request", "unknown_field", "not_found"] },
                "message": { "type": "string", "description": "For people; may change." },
                "field": { "type": "string", "description": "The request field or query parameter the error is about, as a path.", "examples": ["url", "[3].type", "retry.delays[2]"] }
              }
            },
            "Timestamp": { "type": "string", "format": "date-time", "description": "RFC 3339, UTC, with milliseconds." },
            "NullableTimestamp": { "type": ["string", "null"], "format": "date-time" },
            "NullableString": { "type": ["string", "null"] },
            "JSONObject": { "type": "object", "additionalProperties": true },
            "TenantID": { "type": "string", "pattern": "^[a-z0-9_-]{1,64}$" },
            "EventType": {
              "type": "string",
              "maxLength": 256,
              "pattern": "^[A-Za-z0-9_:/-]+(\\.[A-Za-z0-9_:/-]+)*$",
              "description": "Dotted words of letters, digits, `_`, `-`, `:` and `/`.",
              "examples": ["case.updated"]
            },
            "EventTypePattern": {
              "type": "string",
              "maxLength": 258,
              "pattern": "^(\\*|[A-Za-z0-9_:/-]+(\\.[A-Za-z0-9_:/-]+)*(\\.\\*)?)$",
              "description": "An exact type (`case.updated`), a prefix (`case.*` matches `case.created` and `case.note.added`, not `case`), or `*` for every type.",
              "examples": ["case.*"]
            },
            "WebhookSecret": {
              "type": "string",
              "pattern": "^whsec_[A-Za-z0-9+/]+={0,2}$",
              "description": "`whsec_` followed by the base64 of 16 to 64 bytes (Standard Webhooks)."
            },
            "Tenant": {
              "type": "object",
              "required": ["id", "name", "createdAt"],
              "properties": {
                "id": { "$ref": "#/components/schemas/TenantID" },
                "name": { "$ref": "#/components/schemas/NullableString" },
                "createdAt": { "$ref": "#/components/schemas/Timestamp" }
              }
            },
            "TenantCreate": {
              "type": "object",
              "additionalProperties": false,
              "required": ["id"],
              "properties": {
                "id": { "$ref": "#/components/schemas/TenantID" },
                "name": { "type": ["string", "null"] }
              }
            },
            "TokenCreate": {
              "type": "object",
              "additionalProperties": false,
              "properties": {
                "name": { "type": ["string", "null"], "description": "A label for people." }
              }
            },
            "TokenInfo": {
              "type": "object",
              "required": ["id", "tenantId", "name", "createdAt"],
              "properties": {
                "id": { "type": "string" },
                "tenantId": { "$ref": "#/components/schemas/TenantID" },
                "name": { "$ref": "#/components/schemas/NullableString" },
                "createdAt": { "$ref": "#/components/schemas/Timestamp" }
              }
            },
            "TokenInfoList": \#(page(of: "TokenInfo")),
            "Token": {
              "type": "object",
              "required": ["id", "tenantId", "name", "token", "createdAt"],
              "properties": {
                "id": { "type": "string" },
                "tenantId": { "$ref": "#/components/schemas/TenantID" },
                "name": { "$ref": "#/components/schemas/NullableString" },
                "token": { "type": "string", "description": "The bearer token. Shown only in this answer: only its hash is kept." },
                "createdAt": { "$ref": "#/components/schemas/Timestamp" }
              }
            },
            "EndpointFields": {
              "type": "object",
              "additionalProperties": false,
              "description": "The fields a create or an update gives. An update changes only those given; `null` clears `name`, `description`, `batch` and `auth`.",
              "properties": {
                "name": {
                  "type": ["string", "null"],
                  "minLength": 1,
                  "maxLength": 128,
                  "pattern": "^(?!ep_)[^\\s]+$",
                  "description": "Unique within the tenant, so that task configs (`run`) and messages (`to[].backend`) can name the endpoint. No white space; not starting with `ep_`."
                },
                "description": { "type": ["string", "null"], "maxLength": 1024, "description": "At most 1024 bytes." },
                "url": { "type": "string", "format": "uri", "maxLength": 2048, "description": "An `http` or `https` URL with a host and no fragment. Private, loopback and link-local targets are refused (`private_target`) unless the server allows them." },
                "method": {
                  "type": "string",
                  "pattern": "^([Pp][Oo][Ss][Tt]|[Pp][Uu][Tt])$",
                  "default": "POST",
                  "description": "`POST` or `PUT`, in any case; shown upper-case."
                },
                "eventTypes": {
                  "type": "array",
                  "maxItems": 256,
                  "items": { "$ref": "#/components/schemas/EventTypePattern" },
                  "description": "An empty list subscribes to nothing (an endpoint that only runs tasks or takes message batches)."
                },
                "secret": { "$ref": "#/components/schemas/WebhookSecret" },
                "headers": {
                  "type": "object",
                  "maxProperties": 32,
                  "propertyNames": { "$ref": "#/components/schemas/HeaderName" },
                  "additionalProperties": { "type": "string", "maxLength": 8192 },
                  "description": "Extra static headers. Names Courier sets itself (`webhook-*`, `content-type`, `content-length`, `host`, `transfer-encoding`, `connection`, `user-agent`) are refused."
                },
                "retry": { "$ref": "#/components/schemas/RetryPolicy" },
                "batch": {
                  "oneOf": [{ "$ref": "#/components/schemas/BatchPolicy" }, { "type": "null" }],
                  "description": "`null` turns batching off. Needs the `envelope` or `raw` format, and cannot be combined with `ordered`."
                },
                "statusOverrides": { "$ref": "#/components/schemas/StatusOverridesInput" },
                "ordered": { "type": "boolean", "default": false, "description": "One request at a time, oldest first. Cannot be combined with `batch`." },
                "format": { "$ref": "#/components/schemas/PayloadFormat" },
                "auth": {
                  "oneOf": [{ "$ref": "#/components/schemas/OutboundAuth" }, { "type": "null" }],
                  "description": "Credentials for the receiver's gateway, sent beside the signature. `null` removes them."
                },
                "maxInFlight": { "type": "integer", "minimum": 1, "maximum": 1000, "default": 16 },
                "rateLimit": {
                  "oneOf": [{ "$ref": "#/components/schemas/RateLimit" }, { "type": "null" }],
                  "description": "At most `requests` in any `seconds`, evenly spaced, across every node. `null` removes the limit."
                },
                "timeoutSeconds": {
                  "type": ["integer", "null"], "minimum": 1, "maximum": 300,
                  "description": "How long one request may take, connection and response included. `null` (the default): the server's `--request-timeout`."
                }
              }
            },
            "EndpointCreate": {
              "allOf": [{ "$ref": "#/components/schemas/EndpointFields" }],
              "required": ["url", "eventTypes"]
            },
            "Endpoint": {
              "type": "object",
              "required": [
                "id", "name", "description", "url", "method", "eventTypes", "previousSecretExpiresAt", "headers", "retry", "batch",
                "statusOverrides", "ordered", "format", "auth", "health", "maxInFlight", "rateLimit", "timeoutSeconds", "status", "statusReason",
                "createdAt", "updatedAt"
              ],
              "properties": {
                "id": { "type": "string", "examples": ["ep_01m85cnznxc5r16zw2mbk517mx"] },
                "name": { "$ref": "#/components/schemas/NullableString" },
                "description": { "$ref": "#/components/schemas/NullableString" },
                "url": { "type": "string" },
                "method": { "type": "string", "enum": ["POST", "PUT"] },
                "eventTypes": { "type": "array", "items": { "$ref": "#/components/schemas/EventTypePattern" } },
                "secret": { "$ref": "#/components/schemas/WebhookSecret" },
                "previousSecretExpiresAt": {
                  "$ref": "#/components/schemas/NullableTimestamp",
                  "description": "Until when the secret before the last rotation still signs beside the current one. That secret itself is never shown again."
                },
                "headers": { "type": "object", "additionalProperties": { "type": "string" } },
                "retry": { "$ref": "#/components/schemas/RetryPolicy" },
                "batch": { "oneOf": [{ "$ref": "#/components/schemas/BatchPolicy" }, { "type": "null" }] },
                "statusOverrides": { "$ref": "#/components/schemas/StatusOverrides" },
                "ordered": { "type": "boolean" },
                "format": { "$ref": "#/components/schemas/PayloadFormat" },
                "auth": { "oneOf": [{ "$ref": "#/components/schemas/OutboundAuthShown" }, { "type": "null" }] },
                "health": { "$ref": "#/components/schemas/EndpointHealth" },
                "maxInFlight": { "type": "integer" },
                "rateLimit": { "oneOf": [{ "$ref": "#/components/schemas/RateLimit" }, { "type": "null" }] },
                "timeoutSeconds": { "type": ["integer", "null"] },
                "status": { "type": "string", "enum": ["active", "paused", "disabled"] },
                "statusReason": { "$ref": "#/components/schemas/NullableString", "description": "Why it is paused or disabled." },
                "createdAt": { "$ref": "#/components/schemas/Timestamp" },
                "updatedAt": { "$ref": "#/components/schemas/Timestamp" }
              }
            },
            "EndpointWithSecret": {
              "description": "One endpoint, with its signing secret (a list leaves it out).",
              "allOf": [{ "$ref": "#/components/schemas/Endpoint" }],
              "required": ["secret"]
            },
            "EndpointList": \#(page(of: "Endpoint")),
            "EndpointHealth": {
              "type": "object",
              "required": ["state", "failureStreak", "cooldownUntil", "lastSuccessAt", "failingSince"],
              "properties": {
                "state": { "type": "string", "enum": ["healthy", "coolingDown", "probing"] },
                "failureStreak": { "type": "integer", "minimum": 0 },
                "cooldownUntil": { "$ref": "#/components/schemas/NullableTimestamp" },
                "lastSuccessAt": { "$ref": "#/components/schemas/NullableTimestamp" },
                "failingSince": { "$ref": "#/components/schemas/NullableTimestamp" }
              }
            },
            "HeaderName": { "type": "string", "pattern": "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$" },
            "Seconds": { "type": "number", "minimum": 0, "maximum": 2592000 },
            "RetryPolicy": {
              "description": "When a retryable failure is tried again. Shown back in the shape it was written in, except `{\"preset\": \"standard\"}`, which is shown as its `delays`.",
              "oneOf": [
                {
                  "title": "delays",
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["delays"],
                  "properties": {
                    "delays": { "type": "array", "maxItems": 100, "items": { "$ref": "#/components/schemas/Seconds" }, "description": "The wait after each failed attempt; `delays.count + 1` attempts in all." }
                  }
                },
                {
                  "title": "exponential",
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["initial"],
                  "properties": {
                    "initial": { "type": "number", "minimum": 0, "maximum": 86400 },
                    "factor": { "type": "number", "minimum": 1, "maximum": 100, "default": 2 },
                    "max": { "type": "number", "maximum": 2592000, "default": 3600, "description": "At least `initial`." },
                    "maxAttempts": { "type": "integer", "minimum": 1, "maximum": 100, "default": 10 },
                    "maxAge": { "type": "number", "exclusiveMinimum": 0, "description": "Give up once the next attempt would come later than this many seconds after the first." }
                  }
                },
                {
                  "title": "preset",
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["preset"],
                  "properties": {
                    "preset": { "type": "string", "enum": ["standard", "commcare"] }
                  }
                },
                {
                  "title": "fixed",
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["preset"],
                  "properties": {
                    "preset": { "const": "fixed" },
                    "retries": { "type": "integer", "minimum": 0, "maximum": 100, "default": 3 },
                    "interval": { "$ref": "#/components/schemas/Seconds", "default": 180 }
                  }
                }
              ]
            },
            "BatchPolicy": {
              "type": "object",
              "additionalProperties": false,
              "minProperties": 1,
              "description": "`maxSize`, `maxWaitMs` or both: a batch goes when whichever comes first.",
              "properties": {
                "maxSize": { "type": "integer", "minimum": 1, "maximum": 1000 },
                "maxWaitMs": { "type": "integer", "minimum": 1, "maximum": 3600000 }
              }
            },
            "RateLimit": {
              "type": "object",
              "additionalProperties": false,
              "required": ["requests"],
              "description": "At most `requests` in any `seconds` (default 1), at most 1,000 a second. Requests are spaced `seconds / requests` apart, never sent in a burst; every request counts (retries, resends, tests, batches).",
              "properties": {
                "requests": { "type": "integer", "minimum": 1, "maximum": 86400000 },
                "seconds": { "type": "integer", "minimum": 1, "maximum": 86400, "default": 1 }
              }
            },
            "HTTPStatuses": {
              "type": "array",
              "maxItems": 100,
              "items": { "type": "integer", "minimum": 300, "maximum": 599 }
            },
            "StatusOverridesInput": {
              "type": "object",
              "additionalProperties": false,
              "description": "Exceptions to how responses are read. A status may not be in both lists.",
              "properties": {
                "retry": { "$ref": "#/components/schemas/HTTPStatuses", "description": "Retried although they would be final." },
                "noRetry": { "$ref": "#/components/schemas/HTTPStatuses", "description": "Final although they would be retried." }
              }
            },
            "StatusOverrides": {
              "type": "object",
              "required": ["retry", "noRetry"],
              "properties": {
                "retry": { "type": "array", "items": { "type": "integer" } },
                "noRetry": { "type": "array", "items": { "type": "integer" } }
              }
            },
            "PayloadFormat": {
              "description": "How requests carry the event.",
              "default": "envelope",
              "oneOf": [
                { "type": "string", "enum": ["envelope", "raw", "form", "xml"] },
                {
                  "title": "template",
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["template"],
                  "properties": {
                    "template": { "type": "string", "description": "A Mustache template over `id`, `type`, `key`, `timestamp` and `data`." },
                    "contentType": { "type": "string", "default": "text/plain; charset=utf-8" }
                  }
                }
              ]
            },
            "Credential": { "type": "string", "minLength": 1, "maxLength": 4096, "description": "Printable characters." },
            "OutboundAuth": {
              "description": "Stored with the endpoint; never shown back, logged or recorded in attempts.",
              "oneOf": [
                {
                  "title": "basic",
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["type", "username", "password"],
                  "properties": {
                    "type": { "const": "basic" },
                    "username": { "$ref": "#/components/schemas/Credential", "pattern": "^[^:]*$" },
                    "password": { "$ref": "#/components/schemas/Credential" }
                  }
                },
                {
                  "title": "bearer",
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["type", "token"],
                  "properties": {
                    "type": { "const": "bearer" },
                    "token": { "$ref": "#/components/schemas/Credential" }
                  }
                },
                {
                  "title": "apiKey",
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["type", "header", "value"],
                  "properties": {
                    "type": { "const": "apiKey" },
                    "header": { "$ref": "#/components/schemas/HeaderName", "description": "A header Courier does not set itself." },
                    "value": { "$ref": "#/components/schemas/Credential" }
                  }
                },
                {
                  "title": "oauth2",
                  "type": "object",
                  "additionalProperties": false,
                  "required": ["type", "tokenUrl", "clientId", "clientSecret"],
                  "properties": {
                    "type": { "const": "oauth2" },
                    "tokenUrl": { "type": "string", "format": "uri", "description": "Held to the same private-target rule as `url`." },
                    "clientId": { "$ref": "#/components/schemas/Credential" },
                    "clientSecret": { "$ref": "#/components/schemas/Credential" },
                    "scope": { "type": ["string", "null"] },
                    "audience": { "type": ["string", "null"] }
                  }
                }
              ]
            },
            "OutboundAuthShown": {
              "description": "The auth's type and the parts that are not secret.",
              "type": "object",
              "required": ["type"],
              "properties": {
                "type": { "type": "string", "enum": ["basic", "bearer", "apiKey", "oauth2"] },
                "username": { "type": "string" },
                "header": { "type": "string" },
                "tokenUrl": { "type": "string" },
                "clientId": { "type": "string" },
                "scope": { "type": "string" },
                "audience": { "type": "string" }
              }
            },
            "PauseRequest": {
              "type": "object",
              "additionalProperties": false,
              "properties": {
                "reason": { "type": ["string", "null"], "description": "Shown as the endpoint's `statusReason`." }
              }
            },
            "RotateSecretRequest": {
              "type": "object",
              "additionalProperties": false,
              "properties": {
                "secret": { "$ref": "#/components/schemas/WebhookSecret", "description": "Generated when not given." },
                "graceSeconds": { "type": "integer", "minimum": 0, "maximum": 604800, "default": 86400, "description": "How long the old secret goes on signing beside the new one; 0 for not at all." }
              }
            },
            "EventInput": {
              "type": "object",
              "additionalProperties": false,
              "required": ["type"],
              "properties": {
                "type": { "$ref": "#/components/schemas/EventType" },
                "payload": { "description": "Any JSON value, kept exactly as published; `null` when absent." },
                "key": { "type": "string", "minLength": 1, "maxLength": 256, "description": "The subject (a case id), at most 256 bytes." },
                "idempotencyKey": { "type": "string", "minLength": 1, "maxLength": 256, "description": "A repeated key, in one array or across calls, returns the first event's id with `duplicate: true` and stores nothing." },
                "occurredAt": { "$ref": "#/components/schemas/Timestamp", "description": "When it happened; when it was stored if absent." }
              }
            },
            "PublishedEvent": {
              "type": "object",
              "required": ["id", "duplicate", "deliveries"],
              "properties": {
                "id": { "type": "string" },
                "duplicate": { "type": "boolean" },
                "deliveries": { "type": "integer", "minimum": 0, "description": "How many deliveries the event fanned out to (0 for a duplicate)." }
              }
            },
            "Event": {
              "type": "object",
              "required": ["id", "type", "key", "payload", "occurredAt", "idempotencyKey", "createdAt", "deliveries"],
              "properties": {
                "id": { "type": "string" },
                "type": { "$ref": "#/components/schemas/EventType" },
                "key": { "$ref": "#/components/schemas/NullableString" },
                "payload": { "description": "As published." },
                "occurredAt": { "$ref": "#/components/schemas/Timestamp" },
                "idempotencyKey": { "$ref": "#/components/schemas/NullableString" },
                "createdAt": { "$ref": "#/components/schemas/Timestamp" },
                "deliveries": { "type": "array", "items": { "$ref": "#/components/schemas/Delivery" }, "description": "Up to 500." }
              }
            },
            "DeliveryState": {
              "type": "string",
              "enum": ["pending", "retrying", "succeeded", "exhausted", "rejected", "empty", "cancelled", "batched"]
            },
            "Delivery": {
              "type": "object",
              "required": [
                "id", "kind", "eventId", "batchId", "endpointId", "state", "attemptCount", "nextAttemptAt", "lastAttemptAt",
                "lastStatus", "lastError", "createdAt", "updatedAt"
              ],
              "properties": {
                "id": { "type": "string" },
                "kind": {
                  "type": "string",
                  "enum": ["event", "batch", "task", "message"],
                  "description": "`batch` has no `eventId`; `task` also shows `session` and `instance`; `message` shows `messageId`."
                },
                "eventId": { "$ref": "#/components/schemas/NullableString" },
                "batchId": { "$ref": "#/components/schemas/NullableString" },
                "messageId": { "type": "string" },
                "session": { "type": "string" },
                "instance": { "type": "string" },
                "endpointId": { "type": "string" },
                "state": { "$ref": "#/components/schemas/DeliveryState" },
                "attemptCount": { "type": "integer", "minimum": 0 },
                "nextAttemptAt": { "$ref": "#/components/schemas/NullableTimestamp" },
                "lastAttemptAt": { "$ref": "#/components/schemas/NullableTimestamp" },
                "lastStatus": { "type": ["integer", "null"] },
                "lastError": { "$ref": "#/components/schemas/NullableString" },
                "createdAt": { "$ref": "#/components/schemas/Timestamp" },
                "updatedAt": { "$ref": "#/components/schemas/Timestamp" }
              }
            },
            "DeliveryWithAttempts": {
              "allOf": [{ "$ref": "#/components/schemas/Delivery" }],
              "required": ["attempts"],
              "properties": {
                "attempts": { "type": "array", "items": { "$ref": "#/components/schemas/Attempt" }, "description": "Oldest first." }
              }
            },
            "DeliveryList": \#(page(of: "Delivery")),
            "Attempt": {
              "type": "object",
              "required": [
                "id", "startedAt", "durationMs", "request", "responseStatus", "responseHeaders", "responseBody", "responseBodyTruncated",
                "error", "outcome"
              ],
              "properties": {
                "id": { "type": "string" },
                "startedAt": { "$ref": "#/components/schemas/Timestamp" },
                "durationMs": { "type": "number" },
                "request": { "type": "string", "description": "A summary of the request, without secrets." },
                "responseStatus": { "type": ["integer", "null"] },
                "responseHeaders": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "required": ["name", "value"],
                    "properties": { "name": { "type": "string" }, "value": { "type": "string" } }
                  }
                },
                "responseBody": { "$ref": "#/components/schemas/NullableString", "description": "Cut at 64 KiB." },
                "responseBodyTruncated": { "type": "boolean" },
                "error": { "$ref": "#/components/schemas/NullableString" },
                "outcome": { "type": "string", "enum": ["succeeded", "failed", "rejected", "gone", "aborted", "empty", "interrupted"] }
              }
            },
            "DeliveryAction": { "type": "string", "enum": ["resend", "cancel", "requeue"] },
            "DeliveryFilter": {
              "type": "object",
              "additionalProperties": false,
              "description": "Every field narrows; `{}` matches every delivery of the tenant.",
              "properties": {
                "endpoint": { "type": "string", "description": "An endpoint id." },
                "state": { "$ref": "#/components/schemas/DeliveryState" },
                "event": { "type": "string", "description": "An event id." },
                "batch": { "type": "string", "description": "A batch's id: the deliveries it carries." },
                "type": { "type": "string", "description": "The event's type." },
                "key": { "type": "string", "description": "The event's key." },
                "since": { "$ref": "#/components/schemas/Timestamp", "description": "Created at or after." },
                "until": { "$ref": "#/components/schemas/Timestamp", "description": "Created before." }
              }
            },
            "BulkRequest": {
              "type": "object",
              "additionalProperties": false,
              "required": ["action", "filter"],
              "properties": {
                "action": { "$ref": "#/components/schemas/DeliveryAction" },
                "filter": { "$ref": "#/components/schemas/DeliveryFilter" }
              }
            },
            "BulkResult": {
              "type": "object",
              "required": ["action", "matched", "changed"],
              "properties": {
                "action": { "$ref": "#/components/schemas/DeliveryAction" },
                "matched": { "type": "integer", "minimum": 0, "description": "Deliveries the filter matched." },
                "changed": { "type": "integer", "minimum": 0, "description": "Those whose state allowed the action." }
              }
            },
            "BulkOperation": {
              "type": "object",
              "required": ["id", "action", "filter", "status", "total", "matched", "changed", "progress", "createdAt", "updatedAt", "finishedAt"],
              "properties": {
                "id": { "type": "string" },
                "action": { "$ref": "#/components/schemas/DeliveryAction" },
                "filter": { "$ref": "#/components/schemas/DeliveryFilter" },
                "status": { "type": "string", "enum": ["running", "finished", "cancelled"] },
                "total": { "type": "integer", "minimum": 0, "description": "Deliveries that matched when it started." },
                "matched": { "type": "integer", "minimum": 0, "description": "Deliveries walked so far." },
                "changed": { "type": "integer", "minimum": 0 },
                "progress": { "type": "number", "minimum": 0, "maximum": 1 },
                "createdAt": { "$ref": "#/components/schemas/Timestamp" },
                "updatedAt": { "$ref": "#/components/schemas/Timestamp" },
                "finishedAt": { "$ref": "#/components/schemas/NullableTimestamp" }
              }
            },
            "BulkOperationList": \#(page(of: "BulkOperation")),
            "Name": {
              "type": "string",
              "minLength": 1,
              "maxLength": 128,
              "pattern": "^[^\\s#/]+$",
              "description": "A trigger or task name: no white space, `#` or `/`."
            },
            "TaskConfig": {
              "type": "object",
              "additionalProperties": false,
              "required": ["after", "run"],
              "properties": {
                "after": { "type": "array", "minItems": 1, "items": { "$ref": "#/components/schemas/Name" }, "description": "Triggers that must all fire, in any order." },
                "run": { "type": "string", "description": "The endpoint (its name or id) that runs the task." },
                "unless": { "type": "array", "items": { "$ref": "#/components/schemas/Name" }, "description": "Once all have fired, instances not yet running are abandoned." },
                "andEvery": { "$ref": "#/components/schemas/Name", "description": "A new instance each time this trigger fires." },
                "withParams": {
                  "type": "object",
                  "additionalProperties": { "$ref": "#/components/schemas/JSONObject" },
                  "description": "Static kwargs per trigger, merged under the kwargs it fired with."
                }
              }
            },
            "SessionTasksRequest": {
              "type": "object",
              "additionalProperties": false,
              "required": ["tasks"],
              "properties": {
                "tasks": {
                  "type": "object",
                  "propertyNames": { "$ref": "#/components/schemas/Name" },
                  "additionalProperties": { "$ref": "#/components/schemas/TaskConfig" },
                  "description": "Task configs by name, merged into the session's: a task of the same name is replaced."
                },
                "finalizeTrigger": {
                  "oneOf": [{ "$ref": "#/components/schemas/Name" }, { "type": "null" }],
                  "description": "Fired once when nothing else is unresolved; `null` clears it."
                }
              }
            },
            "TriggerRequest": {
              "type": "object",
              "additionalProperties": false,
              "required": ["name"],
              "properties": {
                "name": { "$ref": "#/components/schemas/Name" },
                "kwargs": { "$ref": "#/components/schemas/JSONObject" }
              }
            },
            "ReplayRequest": {
              "type": "object",
              "additionalProperties": false,
              "properties": {
                "kwargs": { "$ref": "#/components/schemas/JSONObject", "description": "New kwargs for the clone; the failed instance's when absent." }
              }
            },
            "SkipRequest": {
              "type": "object",
              "additionalProperties": false,
              "properties": {
                "cascade": { "type": "boolean", "default": false, "description": "Fire the task's name as if it had finished." },
                "result": { "$ref": "#/components/schemas/JSONObject", "description": "The result to cascade with." }
              }
            },
            "TaskInstanceStatus": {
              "type": "string",
              "enum": ["unstarted", "scheduled", "running", "finished", "failed", "skipped", "replayed", "abandoned"]
            },
            "TaskInstance": {
              "type": "object",
              "required": ["name", "task", "status", "kwargs", "actualKwargs", "result", "error", "depth", "parent", "timestamps"],
              "properties": {
                "name": { "type": "string", "examples": ["create#1"] },
                "task": { "type": "string" },
                "status": { "$ref": "#/components/schemas/TaskInstanceStatus" },
                "kwargs": { "$ref": "#/components/schemas/JSONObject" },
                "actualKwargs": { "type": ["object", "null"] },
                "result": { "type": ["object", "null"] },
                "error": { "$ref": "#/components/schemas/NullableString" },
                "depth": { "type": "integer", "minimum": 0 },
                "parent": { "$ref": "#/components/schemas/NullableString", "description": "The instance this one replays." },
                "timestamps": {
                  "type": "object",
                  "propertyNames": { "$ref": "#/components/schemas/TaskInstanceStatus" },
                  "additionalProperties": { "$ref": "#/components/schemas/Timestamp" },
                  "description": "When it took each status it has had."
                }
              }
            },
            "Session": {
              "type": "object",
              "required": ["uid", "finalizeTrigger", "finalized", "tasks", "fired", "instances", "unresolvedTasks"],
              "properties": {
                "uid": { "type": "string" },
                "finalizeTrigger": { "$ref": "#/components/schemas/NullableString" },
                "finalized": { "type": "boolean" },
                "tasks": { "type": "object", "additionalProperties": { "$ref": "#/components/schemas/TaskConfig" } },
                "fired": { "type": "object", "additionalProperties": { "$ref": "#/components/schemas/JSONObject" }, "description": "Triggers fired, with their latest kwargs." },
                "instances": { "type": "array", "items": { "$ref": "#/components/schemas/TaskInstance" } },
                "unresolvedTasks": { "type": "array", "items": { "type": "string" } }
              }
            },
            "SessionSummary": {
              "type": "object",
              "required": ["uid", "updatedAt", "finalized", "taskCount", "instanceCounts", "failed"],
              "properties": {
                "uid": { "type": "string" },
                "updatedAt": { "$ref": "#/components/schemas/Timestamp" },
                "finalized": { "type": "boolean" },
                "taskCount": { "type": "integer", "minimum": 0 },
                "instanceCounts": {
                  "type": "object",
                  "propertyNames": { "$ref": "#/components/schemas/TaskInstanceStatus" },
                  "additionalProperties": { "type": "integer", "minimum": 1 }
                },
                "failed": { "type": "boolean", "description": "An instance failed and was not yet replayed or skipped." }
              }
            },
            "SessionList": \#(page(of: "SessionSummary")),
            "MessageText": { "type": "string", "minLength": 1, "maxLength": 16384, "description": "1 byte to 16 KiB." },
            "Identity": { "type": "string", "minLength": 1, "maxLength": 256, "description": "1 to 256 bytes." },
            "MessageCreate": {
              "type": "object",
              "additionalProperties": false,
              "required": ["text", "to"],
              "properties": {
                "text": { "$ref": "#/components/schemas/MessageText" },
                "to": {
                  "type": "array",
                  "minItems": 1,
                  "maxItems": 10000,
                  "uniqueItems": true,
                  "description": "Each recipient once.",
                  "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["backend", "identity"],
                    "properties": {
                      "backend": { "type": "string", "description": "A backend endpoint's `name` (`unknown_backend` otherwise)." },
                      "identity": { "$ref": "#/components/schemas/Identity" }
                    }
                  }
                },
                "inResponseTo": { "type": ["string", "null"], "description": "The message this answers: one of the tenant's, or `400 unknown_message`." },
                "externalId": { "type": ["string", "null"] }
              }
            },
            "MessageStatus": { "type": "string", "enum": ["queued", "processing", "sent", "delivered", "errored", "received"] },
            "Message": {
              "type": "object",
              "required": ["id", "direction", "text", "externalId", "inResponseTo", "status", "createdAt", "updatedAt", "sentAt", "deliveredAt"],
              "properties": {
                "id": { "type": "string" },
                "direction": { "type": "string", "enum": ["in", "out"] },
                "text": { "type": "string" },
                "backend": { "$ref": "#/components/schemas/NullableString", "description": "Inbound messages only." },
                "identity": { "$ref": "#/components/schemas/NullableString", "description": "Inbound messages only." },
                "externalId": { "$ref": "#/components/schemas/NullableString" },
                "inResponseTo": { "$ref": "#/components/schemas/NullableString" },
                "status": { "$ref": "#/components/schemas/MessageStatus" },
                "createdAt": { "$ref": "#/components/schemas/Timestamp" },
                "updatedAt": { "$ref": "#/components/schemas/Timestamp" },
                "sentAt": { "$ref": "#/components/schemas/NullableTimestamp" },
                "deliveredAt": { "$ref": "#/components/schemas/NullableTimestamp" }
              }
            },
            "MessageCreated": {
              "allOf": [{ "$ref": "#/components/schemas/Message" }],
              "required": ["recipients"],
              "properties": { "recipients": { "type": "integer", "minimum": 1 } }
            },
            "MessageWithTransmissions": {
              "allOf": [{ "$ref": "#/components/schemas/Message" }],
              "description": "An outbound message also shows `counts` and `transmissions`.",
              "properties": {
                "counts": {
                  "type": "object",
                  "propertyNames": { "$ref": "#/components/schemas/TransmissionStatus" },
                  "additionalProperties": { "type": "integer", "minimum": 1 },
                  "description": "Transmissions per status; a status none has is left out."
                },
                "transmissions": { "type": "array", "items": { "$ref": "#/components/schemas/Transmission" } }
              }
            },
            "MessageList": \#(page(of: "Message")),
            "TransmissionStatus": { "type": "string", "enum": ["queued", "processing", "sent", "delivered", "errored"] },
            "Transmission": {
              "type": "object",
              "required": ["id", "backend", "identity", "status", "deliveryId", "error", "createdAt", "updatedAt", "sentAt", "deliveredAt"],
              "properties": {
                "id": { "type": "string" },
                "backend": { "type": "string" },
                "identity": { "type": "string" },
                "status": { "$ref": "#/components/schemas/TransmissionStatus" },
                "deliveryId": { "$ref": "#/components/schemas/NullableString" },
                "error": { "$ref": "#/components/schemas/NullableString" },
                "createdAt": { "$ref": "#/components/schemas/Timestamp" },
                "updatedAt": { "$ref": "#/components/schemas/Timestamp" },
                "sentAt": { "$ref": "#/components/schemas/NullableTimestamp" },
                "deliveredAt": { "$ref": "#/components/schemas/NullableTimestamp" }
              }
            },
            "ReportsRequest": {
              "type": "object",
              "additionalProperties": false,
              "required": ["reports"],
              "properties": {
                "reports": {
                  "type": "array",
                  "maxItems": 10000,
                  "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["transmissionId", "status"],
                    "properties": {
                      "transmissionId": { "type": "string" },
                      "status": { "type": "string", "enum": ["delivered", "failed"] }
                    }
                  }
                }
              }
            },
            "ReportsResult": {
              "type": "object",
              "required": ["updated", "unknown"],
              "properties": {
                "updated": { "type": "integer", "minimum": 0 },
                "unknown": { "type": "array", "items": { "type": "string" }, "description": "Ids that are not this backend's transmissions in the tenant, in the order given." }
              }
            },
            "InboundRequest": {
              "type": "object",
              "additionalProperties": false,
              "required": ["identity", "text"],
              "properties": {
                "identity": { "$ref": "#/components/schemas/Identity" },
                "text": { "$ref": "#/components/schemas/MessageText" },
                "externalId": { "type": ["string", "null"], "description": "The backend's own id for it." }
              }
            },
            "Health": {
              "type": "object",
              "required": ["status", "version"],
              "properties": {
                "status": { "type": "string", "enum": ["ok", "failing"] },
                "version": { "type": "string" },
                "error": { "$ref": "#/components/schemas/ErrorDetail", "description": "Why, when `failing`." }
              }
            }
          }
        }
        """#

    /// Every error answer has the same body, whatever its status, so that a client reads them
    /// all one way. `description` goes in as written, so it is escaped as JSON.
    private static func errorAnswer(_ description: String) -> String {
        #"{ "description": "\#(description)", "content": \#(errorContent) }"#
    }

    private static let errorContent = ##"{ "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }"##

    /// A page of a list: every list answers in this shape (see `info`).
    private static func page(of item: String) -> String {
        #"""
        {
          "type": "object",
          "required": ["data", "nextCursor"],
          "properties": {
            "data": { "type": "array", "items": { "$ref": "#/components/schemas/\#(item)" } },
            "nextCursor": { "$ref": "#/components/schemas/NullableString" }
          }
        }
        """#
    }
}
