import Mustache

/// The dashboard's pages as Mustache templates, kept in the binary so that `courier` is one
/// file to install. Each page renders into `layout`'s `{{{body}}}`.
enum DashboardTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in [
            ("layout", layout), ("login", login), ("deliveries", deliveries), ("delivery", delivery), ("endpoints", endpoints),
            ("session", session), ("messages", messages), ("message", message), ("endpoint-form", endpointForm),
            ("secret", secret), ("error", error),
        ] {
            // The templates are ours and fixed: one that does not parse is a bug caught by any test.
            try! library.register(text, named: name)
        }
        return library
    }()

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Courier</title>
        <link rel="stylesheet" href="/dashboard.css">
        </head>
        <body>
        {{#session}}
        <header class="top">
          <a class="brand" href="/deliveries">Courier</a>
          <nav>
            <a href="/deliveries"{{#onDeliveries}} aria-current="page"{{/onDeliveries}}>Deliveries</a>
            <a href="/endpoints"{{#onEndpoints}} aria-current="page"{{/onEndpoints}}>Endpoints</a>
            <a href="/sessions"{{#onSessions}} aria-current="page"{{/onSessions}}>Sessions</a>
            <a href="/messages"{{#onMessages}} aria-current="page"{{/onMessages}}>Messages</a>
          </nav>
          <div class="who">
            {{#isAdmin}}
            <form method="post" action="/tenant" class="inline">
              <input type="hidden" name="csrf" value="{{csrf}}">
              <label>Tenant <input name="tenant" value="{{tenantID}}" size="10" aria-label="tenant"></label>
              <button>Switch</button>
            </form>
            {{/isAdmin}}
            {{^isAdmin}}<span>{{tenantID}}</span>{{/isAdmin}}
            <form method="post" action="/logout" class="inline">
              <input type="hidden" name="csrf" value="{{csrf}}"><button>Sign out</button>
            </form>
          </div>
        </header>
        {{/session}}
        <main>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let login = """
        <section class="login">
          <h1>Sign in to Courier</h1>
          {{#failed}}<p class="problem" role="alert">{{failed}}</p>{{/failed}}
          <form method="post" action="/login">
            <label for="token">API token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
            <button type="submit">Sign in</button>
          </form>
          <p class="hint">A tenant's token shows its tenant; the admin token can switch between tenants.</p>
        </section>
        """

    static let deliveries = """
        <h1>Deliveries</h1>
        {{{chart}}}
        <ul class="counts">
          {{#counts}}<li><a href="{{link}}" class="state {{state}}{{#current}} current{{/current}}">{{state}} <b>{{count}}</b></a></li>{{/counts}}
        </ul>
        <form method="get" action="/deliveries" class="filters">
          <label>Endpoint <select name="endpoint"><option value="">any</option>
            {{#endpointOptions}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/endpointOptions}}
          </select></label>
          <label>State <select name="state"><option value="">any</option>
            {{#stateOptions}}<option{{#selected}} selected{{/selected}}>{{state}}</option>{{/stateOptions}}
          </select></label>
          <label>Event type <input name="type" value="{{filter.type}}" size="14"></label>
          <label>Key <input name="key" value="{{filter.key}}" size="10"></label>
          <label>Event id <input name="event" value="{{filter.event}}" size="14"></label>
          <label>Since <input name="since" value="{{filter.since}}" placeholder="2026-01-31T00:00:00Z" size="20"></label>
          <label>Until <input name="until" value="{{filter.until}}" size="20"></label>
          <button>Filter</button> <a href="/deliveries">Clear</a>
        </form>
        <div class="scroll">
        <table class="records">
          <thead><tr><th>State</th><th>Endpoint</th><th>Event</th><th>Attempts</th><th>Last response</th><th>Next attempt</th><th>Created</th></tr></thead>
          <tbody>
          {{#rows}}
            <tr>
              <td><a href="/deliveries/{{id}}" class="state {{state}}">{{state}}</a></td>
              <td>{{endpoint}}</td>
              <td><a href="/deliveries/{{id}}">{{event}}</a></td>
              <td>{{attempts}}</td>
              <td>{{lastResponse}}</td>
              <td>{{nextAttempt}}</td>
              <td>{{created}}</td>
            </tr>
          {{/rows}}
          {{^rows}}<tr><td colspan="7" class="empty">No delivery matches.</td></tr>{{/rows}}
          </tbody>
        </table>
        </div>
        {{#next}}<p><a href="{{next}}" rel="next">Older deliveries →</a></p>{{/next}}
        <form method="post" action="/deliveries/bulk" class="bulk">
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{#hiddenFilter}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hiddenFilter}}
          <span>Every delivery this filter matches:</span>
          <button name="action" value="requeue">Requeue</button>
          <button name="action" value="resend">Resend</button>
          <button name="action" value="cancel">Cancel</button>
        </form>
        """

    static let delivery = """
        <p><a href="/deliveries">← Deliveries</a></p>
        <h1>Delivery <code>{{id}}</code></h1>
        <dl class="facts">
          <dt>State</dt><dd><span class="state {{state}}">{{state}}</span></dd>
          <dt>Kind</dt><dd>{{kind}}</dd>
          <dt>Endpoint</dt><dd>{{endpoint}}</dd>
          {{#eventID}}<dt>Event</dt><dd><code>{{eventID}}</code> {{eventType}}</dd>{{/eventID}}
          <dt>Attempts</dt><dd>{{attemptCount}}</dd>
          <dt>Next attempt</dt><dd>{{nextAttempt}}</dd>
          {{#lastError}}<dt>Last error</dt><dd>{{lastError}}</dd>{{/lastError}}
          <dt>Created</dt><dd>{{created}}</dd>
        </dl>
        <div class="actions">
          {{#actions}}
          <form method="post" action="/deliveries/{{id}}/{{action}}" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}"><button>{{label}}</button>
          </form>
          {{/actions}}
        </div>
        {{#payload}}<h2>Payload</h2><pre class="payload">{{payload}}</pre>{{/payload}}
        <h2>Attempts</h2>
        {{#attempts}}
        <article class="attempt">
          <h3><span class="state {{outcome}}">{{outcome}}</span> {{status}} · {{duration}} ms · {{started}}</h3>
          <p><code>{{request}}</code></p>
          {{#error}}<p class="problem">{{error}}</p>{{/error}}
          {{#hasHeaders}}<details><summary>Response headers</summary><pre>{{#headers}}{{name}}: {{value}}
        {{/headers}}</pre></details>{{/hasHeaders}}
          {{#body}}<details open><summary>Response body{{#truncated}} (cut at 64 KiB){{/truncated}}</summary><pre>{{body}}</pre></details>{{/body}}
        </article>
        {{/attempts}}
        {{^attempts}}<p class="empty">No attempt yet.</p>{{/attempts}}
        """

    static let endpoints = """
        <h1>Endpoints</h1>
        <p><a href="/endpoints/new">New endpoint</a></p>
        <div class="scroll">
        <table class="records">
          <thead><tr><th>Endpoint</th><th>URL</th><th>Status</th><th>Health</th><th>Backlog</th><th></th></tr></thead>
          <tbody>
          {{#rows}}
            <tr>
              <td><a href="/deliveries?endpoint={{id}}">{{label}}</a><br><small><code>{{id}}</code></small></td>
              <td class="url">{{url}}</td>
              <td><span class="state {{status}}">{{status}}</span>{{#reason}}<br><small>{{reason}}</small>{{/reason}}</td>
              <td>{{health}}{{#lastSuccess}}<br><small>last success {{lastSuccess}}</small>{{/lastSuccess}}</td>
              <td>{{backlog}}</td>
              <td class="row-actions">
                {{#canPause}}<form method="post" action="/endpoints/{{id}}/pause" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>Pause</button></form>{{/canPause}}
                {{^canPause}}<form method="post" action="/endpoints/{{id}}/resume" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>Resume</button></form>{{/canPause}}
                <form method="post" action="/endpoints/{{id}}/test" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>Send test</button></form>
                <a href="/endpoints/{{id}}/edit">Edit</a>
              </td>
            </tr>
          {{/rows}}
          {{^rows}}<tr><td colspan="6" class="empty">No endpoint yet: create one with <code>POST /v1/endpoints</code> or <code>courier endpoints create</code>.</td></tr>{{/rows}}
          </tbody>
        </table>
        </div>
        """

    static let session = """
        <h1>Session</h1>
        <form method="get" action="/sessions" class="filters">
          <label>Session uid <input name="uid" value="{{uid}}" placeholder="applicant:42" size="30"></label>
          <button>Show</button>
        </form>
        {{#found}}
        <dl class="facts">
          <dt>Uid</dt><dd><code>{{uid}}</code></dd>
          {{#finalizeTrigger}}<dt>Finalize trigger</dt><dd>{{finalizeTrigger}}{{#finalized}} (fired){{/finalized}}</dd>{{/finalizeTrigger}}
          <dt>Unresolved</dt><dd>{{#unresolved}}<span class="chip">{{.}}</span> {{/unresolved}}{{^unresolved}}nothing{{/unresolved}}</dd>
        </dl>
        <h2>Tasks</h2>
        <div class="scroll"><table class="records">
          <thead><tr><th>Task</th><th>Waits for</th><th>Unless</th><th>Runs</th></tr></thead>
          <tbody>
          {{#tasks}}
            <tr><td><b>{{name}}</b>{{#andEvery}}<br><small>a new run at every {{andEvery}}</small>{{/andEvery}}</td>
              <td>{{#after}}<span class="chip {{#fired}}fired{{/fired}}{{^fired}}waiting{{/fired}}">{{#fired}}✓{{/fired}}{{^fired}}…{{/fired}} {{trigger}}</span> {{/after}}</td>
              <td>{{#unless}}<span class="chip {{#fired}}fired{{/fired}}">{{trigger}}</span> {{/unless}}</td>
              <td><code>{{run}}</code></td></tr>
          {{/tasks}}
          {{^tasks}}<tr><td colspan="4" class="empty">No task is configured.</td></tr>{{/tasks}}
          </tbody>
        </table></div>
        <h2>Fired triggers</h2>
        {{#fired}}<details><summary><b>{{name}}</b></summary><pre>{{kwargs}}</pre></details>{{/fired}}
        {{^fired}}<p class="empty">None yet.</p>{{/fired}}
        <h2>Instances</h2>
        {{#instances}}
        <article class="attempt">
          <h3><span class="state {{status}}">{{status}}</span> {{name}}{{#parent}} <small>(replays {{parent}}, depth {{depth}})</small>{{/parent}}</h3>
          <p><small>{{times}}</small></p>
          {{#error}}<p class="problem">{{error}}</p>{{/error}}
          {{#sent}}<details><summary>Kwargs sent</summary><pre>{{sent}}</pre></details>{{/sent}}
          {{#result}}<details><summary>Result</summary><pre>{{result}}</pre></details>{{/result}}
          {{#failed}}
          <form method="post" action="/sessions/instances/replay" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="uid" value="{{uid}}"><input type="hidden" name="instance" value="{{name}}">
            <label>Replacement kwargs <input name="kwargs" placeholder='{"trigger": {…}} or empty' size="30"></label>
            <button>Replay</button>
          </form>
          <form method="post" action="/sessions/instances/skip" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="uid" value="{{uid}}"><input type="hidden" name="instance" value="{{name}}">
            <label><input type="checkbox" name="cascade" value="1"> cascade with result</label>
            <input name="result" placeholder='{"…": …}' size="20">
            <button>Skip</button>
          </form>
          {{/failed}}
        </article>
        {{/instances}}
        {{^instances}}<p class="empty">No instance yet.</p>{{/instances}}
        {{/found}}
        {{#missing}}<p class="empty">No session {{uid}} in this tenant.</p>{{/missing}}
        """

    static let messages = """
        <h1>Messages</h1>
        <form method="get" action="/messages" class="filters">
          <label>Direction <select name="direction"><option value="">any</option>
            {{#directions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/directions}}</select></label>
          <label>Status <select name="status"><option value="">any</option>
            {{#statuses}}<option{{#selected}} selected{{/selected}}>{{status}}</option>{{/statuses}}</select></label>
          <label>Backend <input name="backend" value="{{backend}}" size="12"></label>
          <button>Filter</button> <a href="/messages">Clear</a>
        </form>
        <div class="scroll"><table class="records">
          <thead><tr><th>Status</th><th>Direction</th><th>Text</th><th>Recipients</th><th>Created</th></tr></thead>
          <tbody>
          {{#rows}}
            <tr><td><a href="/messages/{{id}}" class="state {{status}}">{{status}}</a></td><td>{{direction}}</td>
              <td><a href="/messages/{{id}}">{{text}}</a></td><td>{{counts}}</td><td>{{created}}</td></tr>
          {{/rows}}
          {{^rows}}<tr><td colspan="5" class="empty">No message matches.</td></tr>{{/rows}}
          </tbody>
        </table></div>
        {{#next}}<p><a href="{{next}}" rel="next">Older messages →</a></p>{{/next}}
        """

    static let message = """
        <p><a href="/messages">← Messages</a></p>
        <h1>Message <code>{{id}}</code></h1>
        <dl class="facts">
          <dt>Status</dt><dd><span class="state {{status}}">{{status}}</span></dd>
          <dt>Direction</dt><dd>{{direction}}</dd>
          {{#from}}<dt>From</dt><dd>{{from}}</dd>{{/from}}
          {{#inResponseTo}}<dt>Answers</dt><dd><a href="/messages/{{inResponseTo}}">{{inResponseTo}}</a></dd>{{/inResponseTo}}
          <dt>Created</dt><dd>{{created}}</dd>
          {{#sent}}<dt>All sent</dt><dd>{{sent}}</dd>{{/sent}}
          {{#delivered}}<dt>All delivered</dt><dd>{{delivered}}</dd>{{/delivered}}
          {{#counts}}<dt>Recipients</dt><dd>{{counts}}</dd>{{/counts}}
        </dl>
        <pre>{{text}}</pre>
        {{#hasTransmissions}}
        <h2>Transmissions</h2>
        <div class="scroll"><table class="records">
          <thead><tr><th>Status</th><th>Backend</th><th>Identity</th><th>Error</th><th>Sent</th><th>Delivered</th><th>Batch</th></tr></thead>
          <tbody>
          {{#transmissions}}
            <tr><td><span class="state {{status}}">{{status}}</span></td><td>{{backend}}</td><td>{{identity}}</td><td>{{error}}</td>
              <td>{{sent}}</td><td>{{delivered}}</td><td>{{#delivery}}<a href="/deliveries/{{delivery}}">record</a>{{/delivery}}</td></tr>
          {{/transmissions}}
          </tbody>
        </table></div>
        {{/hasTransmissions}}
        """

    static let endpointForm = """
        <p><a href="/endpoints">← Endpoints</a></p>
        <h1>{{heading}}</h1>
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        <form method="post" action="{{action}}" class="filters stacked">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label>Name <input name="name" value="{{name}}" placeholder="crm" size="30"></label>
          <label>URL <input name="url" value="{{url}}" placeholder="https://example.com/webhooks" size="50" required></label>
          <label>Event types (space separated; * for all, none for no events) <input name="eventTypes" value="{{eventTypes}}" size="50"></label>
          <label>Description <input name="description" value="{{description}}" size="50"></label>
          <label>Requests at once <input name="maxInFlight" value="{{maxInFlight}}" size="5"></label>
          <button>Save</button>
        </form>
        {{#id}}
        <h2>Signing secret</h2>
        <form method="post" action="/endpoints/{{id}}/rotate" class="inline">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button>Rotate the secret</button> <small>The old one goes on signing beside the new one for 24 hours.</small>
        </form>
        {{/id}}
        """

    static let secret = """
        <p><a href="/endpoints">← Endpoints</a></p>
        <h1>{{heading}}</h1>
        <p>Its signing secret, shown this once: give it to the receiver, which verifies every request with it.</p>
        <pre class="secret">{{secret}}</pre>
        """

    static let error = """
        <h1>{{heading}}</h1>
        <p class="problem">{{message}}</p>
        <p><a href="/deliveries">Back to the deliveries</a></p>
        """
}
