extension OpenAPIDocument {
    /// Every route under `/v1`, then the server's own (`/healthz`, `/metrics`, this document),
    /// in the order of the route files. Each `/v1` path item takes `Courier-Tenant`, since the
    /// admin may act on any tenant anywhere, and each operation lists the 4xx answers that its
    /// middleware and body reader can give as well as its own, so that a generated client has a
    /// type for every answer it can get.
    static let paths = #"""
        {
          "/v1/tenants": {
            "parameters": \#(v1Parameters()),
            "post": {
              "tags": ["Tenants"],
              "operationId": "createTenant",
              "summary": "Create a tenant (admin token only)",
              "requestBody": \#(jsonBody("TenantCreate")),
              "responses": {
                "201": \#(answer("Created.", "Tenant")),
                \#(errors(400, 401, 403, 404, 409, 413, 503))
              }
            }
          },
          "/v1/tenants/{tenant}/tokens": {
            "parameters": \#(v1Parameters(tenantInPath)),
            "post": {
              "tags": ["Tenants"],
              "operationId": "createToken",
              "summary": "Make a token for a tenant (admin token only)",
              "description": "The answer holds the token; it is shown only this once. An unknown tenant is `404 tenant_not_found`.",
              "requestBody": \#(jsonBody("TokenCreate", required: false)),
              "responses": {
                "201": \#(answer("Created.", "Token")),
                \#(errors(400, 401, 403, 404, 413, 503))
              }
            },
            "get": {
              "tags": ["Tenants"],
              "operationId": "listTokens",
              "summary": "List a tenant's tokens, newest first (admin token only)",
              "description": "Without the tokens themselves, which are shown only when made. One answer holds them all: `nextCursor` is always null.",
              "responses": {
                "200": \#(answer("The tokens.", "TokenInfoList")),
                \#(errors(400, 401, 403, 404, 503))
              }
            }
          },
          "/v1/tenants/{tenant}/tokens/{id}": {
            "parameters": \#(v1Parameters(tenantInPath, idInPath)),
            "delete": {
              "tags": ["Tenants"],
              "operationId": "deleteToken",
              "summary": "Revoke a token (admin token only)",
              "description": "From then on the token opens nothing: at once on the node that answers, and within 30 s on other nodes sharing the database, which keep accepted tokens that long. The dashboard sessions it signed in end. An unknown token is `404 token_not_found`.",
              "responses": {
                "204": { "description": "Revoked." },
                \#(errors(400, 401, 403, 404, 503))
              }
            }
          },
          "/v1/endpoints": {
            "parameters": \#(v1Parameters()),
            "post": {
              "tags": ["Endpoints"],
              "operationId": "createEndpoint",
              "summary": "Create an endpoint",
              "description": "The answer includes the signing `secret`, generated when not given.",
              "requestBody": \#(jsonBody("EndpointCreate")),
              "responses": {
                "201": \#(answer("Created.", "EndpointWithSecret")),
                \#(errors(400, 401, 403, 404, 409, 413, 503))
              }
            },
            "get": {
              "tags": ["Endpoints"],
              "operationId": "listEndpoints",
              "summary": "List endpoints, newest first",
              "description": "Secrets are left out.",
              "parameters": [\#(pageParameters)],
              "responses": {
                "200": \#(answer("A page.", "EndpointList")),
                \#(errors(400, 401, 403, 404, 503))
              }
            }
          },
          "/v1/endpoints/{id}": {
            "parameters": \#(v1Parameters(idInPath)),
            "get": {
              "tags": ["Endpoints"],
              "operationId": "getEndpoint",
              "summary": "Read an endpoint, with its secret",
              "responses": {
                "200": \#(answer("The endpoint.", "EndpointWithSecret")),
                \#(errors(400, 401, 403, 404, 503))
              }
            },
            "patch": {
              "tags": ["Endpoints"],
              "operationId": "updateEndpoint",
              "summary": "Change an endpoint",
              "description": "Only the fields given change. Changing `batch` gives the open batches' deliveries back, to be gathered again under the new policy.",
              "requestBody": \#(jsonBody("EndpointFields")),
              "responses": {
                "200": \#(answer("The endpoint as changed.", "EndpointWithSecret")),
                \#(errors(400, 401, 403, 404, 409, 413, 503))
              }
            },
            "delete": {
              "tags": ["Endpoints"],
              "operationId": "deleteEndpoint",
              "summary": "Delete an endpoint",
              "description": "Its pending and retrying deliveries become `cancelled`; their records stay.",
              "responses": {
                "204": { "description": "Deleted." },
                \#(errors(400, 401, 403, 404, 503))
              }
            }
          },
          "/v1/endpoints/{id}/pause": {
            "parameters": \#(v1Parameters(idInPath)),
            "post": {
              "tags": ["Endpoints"],
              "operationId": "pauseEndpoint",
              "summary": "Pause an endpoint: its deliveries are held, never dropped",
              "requestBody": \#(optionalBody("PauseRequest")),
              "responses": {
                "200": \#(answer("The endpoint, paused.", "EndpointWithSecret")),
                \#(errors(400, 401, 403, 404, 413, 503))
              }
            }
          },
          "/v1/endpoints/{id}/resume": {
            "parameters": \#(v1Parameters(idInPath)),
            "post": {
              "tags": ["Endpoints"],
              "operationId": "resumeEndpoint",
              "summary": "Resume a paused or disabled endpoint",
              "description": "Every held delivery that is already due goes at once.",
              "requestBody": { "$ref": "#/components/requestBodies/NoFields" },
              "responses": {
                "200": \#(answer("The endpoint, active.", "EndpointWithSecret")),
                \#(errors(400, 401, 403, 404, 413, 503))
              }
            }
          },
          "/v1/endpoints/{id}/test": {
            "parameters": \#(v1Parameters(idInPath)),
            "post": {
              "tags": ["Endpoints"],
              "operationId": "testEndpoint",
              "summary": "Send a `courier.test` event to this endpoint alone",
              "description": "The payload is `{\"test\": true, \"endpointId\", \"sentAt\"}`, whatever the endpoint subscribes to. It is delivered, and kept on record, like any other; held while the endpoint is paused.",
              "requestBody": { "$ref": "#/components/requestBodies/NoFields" },
              "responses": {
                "202": \#(answer("The test event's delivery.", "Delivery")),
                \#(errors(400, 401, 403, 404, 413, 503))
              }
            }
          },
          "/v1/endpoints/{id}/rotate-secret": {
            "parameters": \#(v1Parameters(idInPath)),
            "post": {
              "tags": ["Endpoints"],
              "operationId": "rotateEndpointSecret",
              "summary": "Give an endpoint a new signing secret",
              "description": "For the grace period requests carry both signatures, so a receiver holding either secret accepts them. The old secret is never shown again.",
              "requestBody": \#(optionalBody("RotateSecretRequest")),
              "responses": {
                "200": \#(answer("The endpoint with its new secret.", "EndpointWithSecret")),
                \#(errors(400, 401, 403, 404, 413, 503))
              }
            }
          },
          "/v1/events": {
            "parameters": \#(v1Parameters()),
            "post": {
              "tags": ["Events"],
              "operationId": "publishEvents",
              "summary": "Publish one event, or an array of up to 1,000",
              "description": "`202` means the events and all their deliveries are stored: they will not be lost. An array is checked whole: if any element is invalid, the answer names it (`field: [3].type`) and nothing is stored.",
              "requestBody": {
                "required": true,
                "content": {
                  "application/json": {
                    "schema": {
                      "oneOf": [
                        { "$ref": "#/components/schemas/EventInput" },
                        { "type": "array", "minItems": 1, "maxItems": 1000, "items": { "$ref": "#/components/schemas/EventInput" } }
                      ]
                    }
                  }
                }
              },
              "responses": {
                "202": {
                  "description": "Stored. An object for an object, an array (in the same order) for an array.",
                  "content": {
                    "application/json": {
                      "schema": {
                        "oneOf": [
                          { "$ref": "#/components/schemas/PublishedEvent" },
                          { "type": "array", "items": { "$ref": "#/components/schemas/PublishedEvent" } }
                        ]
                      }
                    }
                  }
                },
                \#(errors(400, 401, 403, 404, 413, 503))
              }
            }
          },
          "/v1/events/{id}": {
            "parameters": \#(v1Parameters(idInPath)),
            "get": {
              "tags": ["Events"],
              "operationId": "getEvent",
              "summary": "Read an event, with its deliveries",
              "responses": {
                "200": \#(answer("The event.", "Event")),
                \#(errors(400, 401, 403, 404, 503))
              }
            }
          },
          "/v1/deliveries": {
            "parameters": \#(v1Parameters()),
            "get": {
              "tags": ["Deliveries"],
              "operationId": "listDeliveries",
              "summary": "List deliveries, newest first",
              "parameters": [
                { "name": "endpoint", "in": "query", "description": "An endpoint id.", "schema": { "type": "string" } },
                { "name": "state", "in": "query", "schema": { "$ref": "#/components/schemas/DeliveryState" } },
                { "name": "event", "in": "query", "description": "An event id.", "schema": { "type": "string" } },
                { "name": "batch", "in": "query", "description": "A batch's id: the deliveries it carries.", "schema": { "type": "string" } },
                { "name": "type", "in": "query", "description": "The event's type.", "schema": { "type": "string" } },
                { "name": "key", "in": "query", "description": "The event's key.", "schema": { "type": "string" } },
                { "name": "since", "in": "query", "description": "Created at or after.", "schema": { "$ref": "#/components/schemas/Timestamp" } },
                { "name": "until", "in": "query", "description": "Created before.", "schema": { "$ref": "#/components/schemas/Timestamp" } },
                \#(pageParameters)
              ],
              "responses": {
                "200": \#(answer("A page.", "DeliveryList")),
                \#(errors(400, 401, 403, 404, 503))
              }
            }
          },
          "/v1/deliveries/{id}": {
            "parameters": \#(v1Parameters(idInPath)),
            "get": {
              "tags": ["Deliveries"],
              "operationId": "getDelivery",
              "summary": "Read a delivery, with its attempts",
              "responses": {
                "200": \#(answer("The delivery.", "DeliveryWithAttempts")),
                \#(errors(400, 401, 403, 404, 503))
              }
            }
          },
          "/v1/deliveries/{id}/resend": {
            "parameters": \#(v1Parameters(idInPath)),
            "post": {
              "tags": ["Deliveries"],
              "operationId": "resendDelivery",
              "summary": "One more attempt now, whatever the state",
              "description": "`409` for a delivery carried by a batch (act on the batch), for a task's run (`task_delivery`: replay or skip its instance), while an attempt of it is under way (`attempt_under_way`) and for a deleted endpoint's delivery (`endpoint_deleted`).",
              "requestBody": { "$ref": "#/components/requestBodies/NoFields" },
              "responses": {
                "200": \#(answer("The delivery.", "Delivery")),
                \#(errors(400, 401, 403, 404, 409, 413, 503))
              }
            }
          },
          "/v1/deliveries/{id}/cancel": {
            "parameters": \#(v1Parameters(idInPath)),
            "post": {
              "tags": ["Deliveries"],
              "operationId": "cancelDelivery",
              "summary": "Cancel a pending, retrying or batched delivery",
              "description": "A batched delivery is taken out of its batch. Any other state, or a task's run, is `409`.",
              "requestBody": { "$ref": "#/components/requestBodies/NoFields" },
              "responses": {
                "200": \#(answer("The delivery, cancelled.", "Delivery")),
                \#(errors(400, 401, 403, 404, 409, 413, 503))
              }
            }
          },
          "/v1/deliveries/{id}/requeue": {
            "parameters": \#(v1Parameters(idInPath)),
            "post": {
              "tags": ["Deliveries"],
              "operationId": "requeueDelivery",
              "summary": "Put an exhausted, rejected, empty or cancelled delivery back in line",
              "description": "It becomes `pending` with a fresh attempt budget. Any other state, a task's run, an attempt under way (`attempt_under_way`) or a deleted endpoint (`endpoint_deleted`) is `409`.",
              "requestBody": { "$ref": "#/components/requestBodies/NoFields" },
              "responses": {
                "200": \#(answer("The delivery, pending.", "Delivery")),
                \#(errors(400, 401, 403, 404, 409, 413, 503))
              }
            }
          },
          "/v1/deliveries/bulk": {
            "parameters": \#(v1Parameters()),
            "post": {
              "tags": ["Deliveries"],
              "operationId": "bulkDeliveryAction",
              "summary": "Apply an action to every delivery a filter matches, within the request",
              "description": "Deliveries whose state does not allow the action, and tasks' runs, are passed by. Written in atomic chunks of 500. For large filters, start a bulk operation instead (`POST /v1/operations`).",
              "requestBody": \#(jsonBody("BulkRequest")),
              "responses": {
                "200": \#(answer("What was matched and changed.", "BulkResult")),
                \#(errors(400, 401, 403, 404, 413, 503))
              }
            }
          },
          "/v1/operations": {
            "parameters": \#(v1Parameters()),
            "post": {
              "tags": ["Bulk operations"],
              "operationId": "startOperation",
              "summary": "Start a bulk operation: a bulk action carried out in the background",
              "description": "It walks the deliveries that existed when it started, newest first, 500 at a time, each chunk in one transaction.",
              "requestBody": \#(jsonBody("BulkRequest")),
              "responses": {
                "202": {
                  "description": "Started.",
                  "headers": { "Location": { "description": "`/v1/operations/{id}`.", "schema": { "type": "string" } } },
                  "content": { "application/json": { "schema": { "$ref": "#/components/schemas/BulkOperation" } } }
                },
                \#(errors(400, 401, 403, 404, 413, 503))
              }
            },
            "get": {
              "tags": ["Bulk operations"],
              "operationId": "listOperations",
              "summary": "List bulk operations, newest first",
              "parameters": [\#(pageParameters)],
              "responses": {
                "200": \#(answer("A page.", "BulkOperationList")),
                \#(errors(400, 401, 403, 404, 503))
              }
            }
          },
          "/v1/operations/{id}": {
            "parameters": \#(v1Parameters(idInPath)),
            "get": {
              "tags": ["Bulk operations"],
              "operationId": "getOperation",
              "summary": "Read a bulk operation, with its progress",
              "responses": {
                "200": \#(answer("The operation.", "BulkOperation")),
                \#(errors(400, 401, 403, 404, 503))
              }
            }
          },
          "/v1/operations/{id}/cancel": {
            "parameters": \#(v1Parameters(idInPath)),
            "post": {
              "tags": ["Bulk operations"],
              "operationId": "cancelOperation",
              "summary": "Stop a running bulk operation",
              "description": "What it did stays done. An operation that has ended is `409`.",
              "requestBody": { "$ref": "#/components/requestBodies/NoFields" },
              "responses": {
                "200": \#(answer("The operation, cancelled.", "BulkOperation")),
                \#(errors(400, 401, 403, 404, 409, 413, 503))
              }
            }
          },
          "/v1/sessions": {
            "parameters": \#(v1Parameters()),
            "get": {
              "tags": ["Sessions"],
              "operationId": "listSessions",
              "summary": "List sessions, most recently changed first",
              "parameters": [
                { "name": "failed", "in": "query", "description": "`true` keeps the sessions with a failed instance not yet replayed or skipped.", "schema": { "type": "boolean", "default": false } },
                { "name": "prefix", "in": "query", "description": "Keeps the sessions whose uid starts with it.", "schema": { "type": "string", "minLength": 1 } },
                \#(pageParameters)
              ],
              "responses": {
                "200": \#(answer("A page.", "SessionList")),
                \#(errors(400, 401, 403, 404, 503))
              }
            }
          },
          "/v1/sessions/{uid}": {
            "parameters": \#(v1Parameters(parameter("SessionUID"))),
            "get": {
              "tags": ["Sessions"],
              "operationId": "getSession",
              "summary": "Read a session",
              "description": "`404` when nothing was ever done in it.",
              "responses": {
                "200": \#(answer("The session.", "Session")),
                \#(errors(400, 401, 403, 404, 503))
              }
            }
          },
          "/v1/sessions/{uid}/tasks": {
            "parameters": \#(v1Parameters(parameter("SessionUID"))),
            "put": {
              "tags": ["Sessions"],
              "operationId": "configureSessionTasks",
              "summary": "Add task configs to a session",
              "description": "Merged into the session's configs, a task of the same name replaced; triggers that already fired count for them. Makes the session when it does not exist yet.",
              "requestBody": \#(jsonBody("SessionTasksRequest")),
              "responses": {
                "200": \#(answer("The session.", "Session")),
                \#(errors(400, 401, 403, 404, 413, 503))
              }
            }
          },
          "/v1/sessions/{uid}/triggers": {
            "parameters": \#(v1Parameters(parameter("SessionUID"))),
            "post": {
              "tags": ["Sessions"],
              "operationId": "fireTrigger",
              "summary": "Fire a trigger in a session",
              "description": "Each task whose `after` triggers have all fired gets a runnable instance. Makes the session when it does not exist yet.",
              "requestBody": \#(jsonBody("TriggerRequest")),
              "responses": {
                "200": \#(answer("The session.", "Session")),
                \#(errors(400, 401, 403, 404, 413, 503))
              }
            }
          },
          "/v1/sessions/{uid}/instances/{instance}/replay": {
            "parameters": \#(v1Parameters(parameter("SessionUID"), parameter("InstanceName"))),
            "post": {
              "tags": ["Sessions"],
              "operationId": "replayInstance",
              "summary": "Run a failed instance again",
              "description": "The instance becomes `replayed`; a clone (recording its parent and depth) runs, with new kwargs when given. Only a `failed` instance (`409 invalid_state` otherwise).",
              "requestBody": \#(optionalBody("ReplayRequest")),
              "responses": {
                "200": \#(answer("The session.", "Session")),
                \#(errors(400, 401, 403, 404, 409, 413, 503))
              }
            }
          },
          "/v1/sessions/{uid}/instances/{instance}/skip": {
            "parameters": \#(v1Parameters(parameter("SessionUID"), parameter("InstanceName"))),
            "post": {
              "tags": ["Sessions"],
              "operationId": "skipInstance",
              "summary": "Give up on a failed instance",
              "description": "The instance becomes `skipped`; with `cascade`, the task's name fires with `result` as if it had finished. Only a `failed` instance (`409 invalid_state` otherwise).",
              "requestBody": \#(optionalBody("SkipRequest")),
              "responses": {
                "200": \#(answer("The session.", "Session")),
                \#(errors(400, 401, 403, 404, 409, 413, 503))
              }
            }
          },
          "/v1/messages": {
            "parameters": \#(v1Parameters()),
            "post": {
              "tags": ["Messages"],
              "operationId": "sendMessage",
              "summary": "Send a text to recipients through backends",
              "description": "Stored, with a transmission per recipient and a delivery per batch of them, before the answer. An unknown backend, an empty or repeated recipient is a `400` naming it (`field: to[3].backend`), and nothing is stored.",
              "requestBody": \#(jsonBody("MessageCreate")),
              "responses": {
                "202": \#(answer("Stored.", "MessageCreated")),
                \#(errors(400, 401, 403, 404, 413, 503))
              }
            },
            "get": {
              "tags": ["Messages"],
              "operationId": "listMessages",
              "summary": "List messages, newest first",
              "parameters": [
                { "name": "direction", "in": "query", "schema": { "type": "string", "enum": ["in", "out"] } },
                { "name": "status", "in": "query", "schema": { "$ref": "#/components/schemas/MessageStatus" } },
                { "name": "backend", "in": "query", "description": "Messages in through it, or out with a transmission through it, by the name the backend had then.", "schema": { "type": "string" } },
                { "name": "since", "in": "query", "description": "Created at or after.", "schema": { "$ref": "#/components/schemas/Timestamp" } },
                \#(pageParameters)
              ],
              "responses": {
                "200": \#(answer("A page.", "MessageList")),
                \#(errors(400, 401, 403, 404, 503))
              }
            }
          },
          "/v1/messages/{id}": {
            "parameters": \#(v1Parameters(idInPath)),
            "get": {
              "tags": ["Messages"],
              "operationId": "getMessage",
              "summary": "Read a message; an outbound one with its transmissions",
              "responses": {
                "200": \#(answer("The message.", "MessageWithTransmissions")),
                \#(errors(400, 401, 403, 404, 503))
              }
            }
          },
          "/v1/backends/{name}/reports": {
            "parameters": \#(v1Parameters(parameter("BackendName"))),
            "post": {
              "tags": ["Messages"],
              "operationId": "reportDeliveries",
              "summary": "A backend's delivery reports, up to 10,000",
              "description": "`delivered` moves a transmission to `delivered`, `failed` to `errored`, in one transaction. Ids that are not this backend's transmissions in the tenant, or not yet handed to it (still `queued`), come back in `unknown`; they are not an error. A backend that no endpoint of the tenant is named is `404`.",
              "requestBody": \#(jsonBody("ReportsRequest")),
              "responses": {
                "200": \#(answer("What was updated.", "ReportsResult")),
                \#(errors(400, 401, 403, 404, 413, 503))
              }
            }
          },
          "/v1/backends/{name}/inbound": {
            "parameters": \#(v1Parameters(parameter("BackendName"))),
            "post": {
              "tags": ["Messages"],
              "operationId": "receiveMessage",
              "summary": "A text from a person, through a backend",
              "description": "Stored, then published as the event `message.received`. An unknown backend is `404`.",
              "requestBody": \#(jsonBody("InboundRequest")),
              "responses": {
                "202": \#(answer("Stored.", "Message")),
                \#(errors(400, 401, 403, 404, 413, 503))
              }
            }
          },
          "/healthz": {
            "get": {
              "tags": ["Server"],
              "operationId": "health",
              "summary": "Whether the server can do its work",
              "description": "No token. `503` once the store has failed for good (on SQLite, a failed flush of its log), so that an orchestrator restarts the process.",
              "security": [],
              "responses": {
                "200": \#(answer("`status: ok`.", "Health")),
                "503": \#(answer("`status: failing`, with the store's `error`.", "Health"))
              }
            }
          },
          "/metrics": {
            "get": {
              "tags": ["Server"],
              "operationId": "metrics",
              "summary": "Prometheus metrics",
              "description": "No token. The `courier_*` metrics in the Prometheus text format.",
              "security": [],
              "responses": {
                "200": { "description": "Prometheus text.", "content": { "text/plain; version=0.0.4; charset=utf-8": { "schema": { "type": "string" } } } }
              }
            }
          },
          "/openapi.json": {
            "get": {
              "tags": ["Server"],
              "operationId": "openAPIDocument",
              "summary": "This document",
              "description": "No token.",
              "security": [],
              "responses": {
                "200": { "description": "OpenAPI 3.1.", "content": { "application/json": { "schema": { "type": "object" } } } }
              }
            }
          }
        }
        """#

    // The pieces that many operations share. Each is written once, so that a change to one
    // (another shared answer, a parameter's schema) cannot miss a path.

    /// A `/v1` path item's parameters: `Courier-Tenant`, then the path's own.
    private static func v1Parameters(_ pathParameters: String...) -> String {
        "[" + ([parameter("CourierTenant")] + pathParameters).joined(separator: ", ") + "]"
    }

    private static func parameter(_ name: String) -> String {
        ##"{ "$ref": "#/components/parameters/\##(name)" }"##
    }

    /// Not in `components`: on each path it is the id of a different kind of object.
    private static let idInPath = #"{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }"#

    private static let tenantInPath = ##"{ "name": "tenant", "in": "path", "required": true, "schema": { "$ref": "#/components/schemas/TenantID" } }"##

    /// To go inside an operation's own `parameters`, beside the list's filters.
    private static let pageParameters = "\(parameter("Limit")), \(parameter("Cursor"))"

    private static func jsonBody(_ schema: String, required: Bool = true) -> String {
        #"{ "required": \#(required), "content": \#(json(schema)) }"#
    }

    /// A body that the route reads as `{}` when it is empty, so that a call without options
    /// needs none.
    private static func optionalBody(_ schema: String) -> String {
        #"{ "required": false, "description": "Optional: an empty body reads as `{}`.", "content": \#(json(schema)) }"#
    }

    /// `description` goes in as written, so it is escaped as JSON, like the text around it.
    private static func answer(_ description: String, _ schema: String) -> String {
        #"{ "description": "\#(description)", "content": \#(json(schema)) }"#
    }

    private static func json(_ schema: String) -> String {
        ##"{ "application/json": { "schema": { "$ref": "#/components/schemas/\##(schema)" } } }"##
    }

    /// The `responses` entries for these error statuses, each the shared answer in `components`
    /// (whose descriptions list the codes a status can carry). Goes last in `responses`: it
    /// ends without a comma.
    private static func errors(_ statuses: Int...) -> String {
        statuses.map { status in
            guard let name = errorAnswers[status] else { preconditionFailure("no shared answer for \(status) in components") }
            return ##""\##(status)": { "$ref": "#/components/responses/\##(name)" }"##
        }.joined(separator: ", ")
    }

    private static let errorAnswers = [
        400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict", 413: "ContentTooLarge",
        503: "Unavailable",
    ]
}
