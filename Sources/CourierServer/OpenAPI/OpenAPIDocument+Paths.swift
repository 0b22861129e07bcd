extension OpenAPIDocument {
    /// Every route under `/v1`, then the server's own (`/healthz`, `/metrics`, this document),
    /// in the order of the route files. Each `/v1` path item takes `Courier-Tenant`, since the
    /// admin may act on any tenant anywhere, and each operation lists the 4xx answers that its
    /// middleware and body reader can give as well as its own, so that a generated client has a
    /// type for every answer it can get.
    static let paths = #"""
        {
          "/v1/tenants": {
            "parameters": [{ "$ref": "#/components/parameters/CourierTenant" }],
            "post": {
              "tags": ["Tenants"],
              "operationId": "createTenant",
              "summary": "Create a tenant (admin token only)",
              "requestBody": {
                "required": true,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TenantCreate" } } }
              },
              "responses": {
                "201": { "description": "Created.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Tenant" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "409": { "$ref": "#/components/responses/Conflict" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/tenants/{tenant}/tokens": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "name": "tenant", "in": "path", "required": true, "schema": { "$ref": "#/components/schemas/TenantID" } }
            ],
            "post": {
              "tags": ["Tenants"],
              "operationId": "createToken",
              "summary": "Make a token for a tenant (admin token only)",
              "description": "The answer holds the token; it is shown only this once. An unknown tenant is `404 tenant_not_found`.",
              "requestBody": {
                "required": false,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TokenCreate" } } }
              },
              "responses": {
                "201": { "description": "Created.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Token" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/endpoints": {
            "parameters": [{ "$ref": "#/components/parameters/CourierTenant" }],
            "post": {
              "tags": ["Endpoints"],
              "operationId": "createEndpoint",
              "summary": "Create an endpoint",
              "description": "The answer includes the signing `secret`, generated when not given.",
              "requestBody": {
                "required": true,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EndpointCreate" } } }
              },
              "responses": {
                "201": { "description": "Created.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EndpointWithSecret" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "409": { "$ref": "#/components/responses/Conflict" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            },
            "get": {
              "tags": ["Endpoints"],
              "operationId": "listEndpoints",
              "summary": "List endpoints, newest first",
              "description": "Secrets are left out.",
              "parameters": [{ "$ref": "#/components/parameters/Limit" }, { "$ref": "#/components/parameters/Cursor" }],
              "responses": {
                "200": { "description": "A page.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EndpointList" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/endpoints/{id}": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }
            ],
            "get": {
              "tags": ["Endpoints"],
              "operationId": "getEndpoint",
              "summary": "Read an endpoint, with its secret",
              "responses": {
                "200": { "description": "The endpoint.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EndpointWithSecret" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            },
            "patch": {
              "tags": ["Endpoints"],
              "operationId": "updateEndpoint",
              "summary": "Change an endpoint",
              "description": "Only the fields given change. Changing `batch` gives the open batches' deliveries back, to be gathered again under the new policy.",
              "requestBody": {
                "required": true,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EndpointFields" } } }
              },
              "responses": {
                "200": { "description": "The endpoint as changed.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EndpointWithSecret" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "409": { "$ref": "#/components/responses/Conflict" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            },
            "delete": {
              "tags": ["Endpoints"],
              "operationId": "deleteEndpoint",
              "summary": "Delete an endpoint",
              "description": "Its pending and retrying deliveries become `cancelled`; their records stay.",
              "responses": {
                "204": { "description": "Deleted." },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/endpoints/{id}/pause": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }
            ],
            "post": {
              "tags": ["Endpoints"],
              "operationId": "pauseEndpoint",
              "summary": "Pause an endpoint: its deliveries are held, never dropped",
              "requestBody": {
                "required": false,
                "description": "Optional: an empty body reads as `{}`.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PauseRequest" } } }
              },
              "responses": {
                "200": { "description": "The endpoint, paused.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EndpointWithSecret" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/endpoints/{id}/resume": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }
            ],
            "post": {
              "tags": ["Endpoints"],
              "operationId": "resumeEndpoint",
              "summary": "Resume a paused or disabled endpoint",
              "description": "Every held delivery that is already due goes at once.",
              "requestBody": { "$ref": "#/components/requestBodies/NoFields" },
              "responses": {
                "200": { "description": "The endpoint, active.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EndpointWithSecret" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/endpoints/{id}/test": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }
            ],
            "post": {
              "tags": ["Endpoints"],
              "operationId": "testEndpoint",
              "summary": "Send a `courier.test` event to this endpoint alone",
              "description": "The payload is `{\"test\": true, \"endpointId\", \"sentAt\"}`, whatever the endpoint subscribes to. It is delivered, and kept on record, like any other; held while the endpoint is paused.",
              "requestBody": { "$ref": "#/components/requestBodies/NoFields" },
              "responses": {
                "202": { "description": "The test event's delivery.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Delivery" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/endpoints/{id}/rotate-secret": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }
            ],
            "post": {
              "tags": ["Endpoints"],
              "operationId": "rotateEndpointSecret",
              "summary": "Give an endpoint a new signing secret",
              "description": "For the grace period requests carry both signatures, so a receiver holding either secret accepts them. The old secret is never shown again.",
              "requestBody": {
                "required": false,
                "description": "Optional: an empty body reads as `{}`.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RotateSecretRequest" } } }
              },
              "responses": {
                "200": { "description": "The endpoint with its new secret.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EndpointWithSecret" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/events": {
            "parameters": [{ "$ref": "#/components/parameters/CourierTenant" }],
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
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/events/{id}": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }
            ],
            "get": {
              "tags": ["Events"],
              "operationId": "getEvent",
              "summary": "Read an event, with its deliveries",
              "responses": {
                "200": { "description": "The event.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Event" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/deliveries": {
            "parameters": [{ "$ref": "#/components/parameters/CourierTenant" }],
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
                { "$ref": "#/components/parameters/Limit" },
                { "$ref": "#/components/parameters/Cursor" }
              ],
              "responses": {
                "200": { "description": "A page.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/DeliveryList" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/deliveries/{id}": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }
            ],
            "get": {
              "tags": ["Deliveries"],
              "operationId": "getDelivery",
              "summary": "Read a delivery, with its attempts",
              "responses": {
                "200": { "description": "The delivery.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/DeliveryWithAttempts" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/deliveries/{id}/resend": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }
            ],
            "post": {
              "tags": ["Deliveries"],
              "operationId": "resendDelivery",
              "summary": "One more attempt now, whatever the state",
              "description": "`409` for a delivery carried by a batch (act on the batch) and for a task's run (`task_delivery`: replay or skip its instance).",
              "requestBody": { "$ref": "#/components/requestBodies/NoFields" },
              "responses": {
                "200": { "description": "The delivery.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Delivery" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "409": { "$ref": "#/components/responses/Conflict" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/deliveries/{id}/cancel": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }
            ],
            "post": {
              "tags": ["Deliveries"],
              "operationId": "cancelDelivery",
              "summary": "Cancel a pending, retrying or batched delivery",
              "description": "A batched delivery is taken out of its batch. Any other state, or a task's run, is `409`.",
              "requestBody": { "$ref": "#/components/requestBodies/NoFields" },
              "responses": {
                "200": { "description": "The delivery, cancelled.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Delivery" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "409": { "$ref": "#/components/responses/Conflict" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/deliveries/{id}/requeue": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }
            ],
            "post": {
              "tags": ["Deliveries"],
              "operationId": "requeueDelivery",
              "summary": "Put an exhausted, rejected, empty or cancelled delivery back in line",
              "description": "It becomes `pending` with a fresh attempt budget. Any other state, or a task's run, is `409`.",
              "requestBody": { "$ref": "#/components/requestBodies/NoFields" },
              "responses": {
                "200": { "description": "The delivery, pending.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Delivery" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "409": { "$ref": "#/components/responses/Conflict" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/deliveries/bulk": {
            "parameters": [{ "$ref": "#/components/parameters/CourierTenant" }],
            "post": {
              "tags": ["Deliveries"],
              "operationId": "bulkDeliveryAction",
              "summary": "Apply an action to every delivery a filter matches, within the request",
              "description": "Deliveries whose state does not allow the action, and tasks' runs, are passed by. Written in atomic chunks of 500. For large filters, start a bulk operation instead (`POST /v1/operations`).",
              "requestBody": {
                "required": true,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/BulkRequest" } } }
              },
              "responses": {
                "200": { "description": "What was matched and changed.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/BulkResult" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/operations": {
            "parameters": [{ "$ref": "#/components/parameters/CourierTenant" }],
            "post": {
              "tags": ["Bulk operations"],
              "operationId": "startOperation",
              "summary": "Start a bulk operation: a bulk action carried out in the background",
              "description": "It walks the deliveries that existed when it started, newest first, 500 at a time, each chunk in one transaction.",
              "requestBody": {
                "required": true,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/BulkRequest" } } }
              },
              "responses": {
                "202": {
                  "description": "Started.",
                  "headers": { "Location": { "description": "`/v1/operations/{id}`.", "schema": { "type": "string" } } },
                  "content": { "application/json": { "schema": { "$ref": "#/components/schemas/BulkOperation" } } }
                },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            },
            "get": {
              "tags": ["Bulk operations"],
              "operationId": "listOperations",
              "summary": "List bulk operations, newest first",
              "parameters": [{ "$ref": "#/components/parameters/Limit" }, { "$ref": "#/components/parameters/Cursor" }],
              "responses": {
                "200": { "description": "A page.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/BulkOperationList" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/operations/{id}": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }
            ],
            "get": {
              "tags": ["Bulk operations"],
              "operationId": "getOperation",
              "summary": "Read a bulk operation, with its progress",
              "responses": {
                "200": { "description": "The operation.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/BulkOperation" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/operations/{id}/cancel": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }
            ],
            "post": {
              "tags": ["Bulk operations"],
              "operationId": "cancelOperation",
              "summary": "Stop a running bulk operation",
              "description": "What it did stays done. An operation that has ended is `409`.",
              "requestBody": { "$ref": "#/components/requestBodies/NoFields" },
              "responses": {
                "200": { "description": "The operation, cancelled.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/BulkOperation" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "409": { "$ref": "#/components/responses/Conflict" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/sessions": {
            "parameters": [{ "$ref": "#/components/parameters/CourierTenant" }],
            "get": {
              "tags": ["Sessions"],
              "operationId": "listSessions",
              "summary": "List sessions, most recently changed first",
              "parameters": [
                { "name": "failed", "in": "query", "description": "`true` keeps the sessions with a failed instance not yet replayed or skipped.", "schema": { "type": "boolean", "default": false } },
                { "name": "prefix", "in": "query", "description": "Keeps the sessions whose uid starts with it.", "schema": { "type": "string", "minLength": 1 } },
                { "$ref": "#/components/parameters/Limit" },
                { "$ref": "#/components/parameters/Cursor" }
              ],
              "responses": {
                "200": { "description": "A page.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SessionList" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/sessions/{uid}": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "$ref": "#/components/parameters/SessionUID" }
            ],
            "get": {
              "tags": ["Sessions"],
              "operationId": "getSession",
              "summary": "Read a session",
              "description": "`404` when nothing was ever done in it.",
              "responses": {
                "200": { "description": "The session.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Session" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/sessions/{uid}/tasks": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "$ref": "#/components/parameters/SessionUID" }
            ],
            "put": {
              "tags": ["Sessions"],
              "operationId": "configureSessionTasks",
              "summary": "Add task configs to a session",
              "description": "Merged into the session's configs, a task of the same name replaced; triggers that already fired count for them. Makes the session when it does not exist yet.",
              "requestBody": {
                "required": true,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SessionTasksRequest" } } }
              },
              "responses": {
                "200": { "description": "The session.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Session" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/sessions/{uid}/triggers": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "$ref": "#/components/parameters/SessionUID" }
            ],
            "post": {
              "tags": ["Sessions"],
              "operationId": "fireTrigger",
              "summary": "Fire a trigger in a session",
              "description": "Each task whose `after` triggers have all fired gets a runnable instance. Makes the session when it does not exist yet.",
              "requestBody": {
                "required": true,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TriggerRequest" } } }
              },
              "responses": {
                "200": { "description": "The session.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Session" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/sessions/{uid}/instances/{instance}/replay": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "$ref": "#/components/parameters/SessionUID" },
              { "$ref": "#/components/parameters/InstanceName" }
            ],
            "post": {
              "tags": ["Sessions"],
              "operationId": "replayInstance",
              "summary": "Run a failed instance again",
              "description": "The instance becomes `replayed`; a clone (recording its parent and depth) runs, with new kwargs when given. Only a `failed` instance (`409 invalid_state` otherwise).",
              "requestBody": {
                "required": false,
                "description": "Optional: an empty body reads as `{}`.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ReplayRequest" } } }
              },
              "responses": {
                "200": { "description": "The session.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Session" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "409": { "$ref": "#/components/responses/Conflict" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/sessions/{uid}/instances/{instance}/skip": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "$ref": "#/components/parameters/SessionUID" },
              { "$ref": "#/components/parameters/InstanceName" }
            ],
            "post": {
              "tags": ["Sessions"],
              "operationId": "skipInstance",
              "summary": "Give up on a failed instance",
              "description": "The instance becomes `skipped`; with `cascade`, the task's name fires with `result` as if it had finished. Only a `failed` instance (`409 invalid_state` otherwise).",
              "requestBody": {
                "required": false,
                "description": "Optional: an empty body reads as `{}`.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SkipRequest" } } }
              },
              "responses": {
                "200": { "description": "The session.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Session" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "409": { "$ref": "#/components/responses/Conflict" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/messages": {
            "parameters": [{ "$ref": "#/components/parameters/CourierTenant" }],
            "post": {
              "tags": ["Messages"],
              "operationId": "sendMessage",
              "summary": "Send a text to recipients through backends",
              "description": "Stored, with a transmission per recipient and a delivery per batch of them, before the answer. An unknown backend, an empty or repeated recipient is a `400` naming it (`field: to[3].backend`), and nothing is stored.",
              "requestBody": {
                "required": true,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MessageCreate" } } }
              },
              "responses": {
                "202": { "description": "Stored.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MessageCreated" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            },
            "get": {
              "tags": ["Messages"],
              "operationId": "listMessages",
              "summary": "List messages, newest first",
              "parameters": [
                { "name": "direction", "in": "query", "schema": { "type": "string", "enum": ["in", "out"] } },
                { "name": "status", "in": "query", "schema": { "$ref": "#/components/schemas/MessageStatus" } },
                { "name": "backend", "in": "query", "description": "Messages in through it, or out with a transmission through it.", "schema": { "type": "string" } },
                { "name": "since", "in": "query", "description": "Created at or after.", "schema": { "$ref": "#/components/schemas/Timestamp" } },
                { "$ref": "#/components/parameters/Limit" },
                { "$ref": "#/components/parameters/Cursor" }
              ],
              "responses": {
                "200": { "description": "A page.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MessageList" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/messages/{id}": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }
            ],
            "get": {
              "tags": ["Messages"],
              "operationId": "getMessage",
              "summary": "Read a message; an outbound one with its transmissions",
              "responses": {
                "200": { "description": "The message.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MessageWithTransmissions" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/backends/{name}/reports": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "$ref": "#/components/parameters/BackendName" }
            ],
            "post": {
              "tags": ["Messages"],
              "operationId": "reportDeliveries",
              "summary": "A backend's delivery reports, up to 10,000",
              "description": "`delivered` moves a transmission to `delivered`, `failed` to `errored`, in one transaction. Ids that are not this backend's transmissions in the tenant come back in `unknown`; they are not an error.",
              "requestBody": {
                "required": true,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ReportsRequest" } } }
              },
              "responses": {
                "200": { "description": "What was updated.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ReportsResult" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
              }
            }
          },
          "/v1/backends/{name}/inbound": {
            "parameters": [
              { "$ref": "#/components/parameters/CourierTenant" },
              { "$ref": "#/components/parameters/BackendName" }
            ],
            "post": {
              "tags": ["Messages"],
              "operationId": "receiveMessage",
              "summary": "A text from a person, through a backend",
              "description": "Stored, then published as the event `message.received`. An unknown backend is `404`.",
              "requestBody": {
                "required": true,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/InboundRequest" } } }
              },
              "responses": {
                "202": { "description": "Stored.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Message" } } } },
                "400": { "$ref": "#/components/responses/BadRequest" },
                "401": { "$ref": "#/components/responses/Unauthorized" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/NotFound" },
                "413": { "$ref": "#/components/responses/ContentTooLarge" },
                "503": { "$ref": "#/components/responses/Unavailable" }
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
                "200": { "description": "`status: ok`.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Health" } } } },
                "503": { "description": "`status: failing`, with the store's `error`.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Health" } } } }
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
}
