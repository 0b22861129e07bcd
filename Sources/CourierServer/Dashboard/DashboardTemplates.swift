import Mustache

/// The dashboard's pages as Mustache templates, kept in the binary so that `courier` is one
/// file to install. Each page renders into `layout`'s `{{{body}}}`.
enum DashboardTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in [
            ("layout", layout), ("login", login), ("deliveries", deliveries), ("delivery", delivery), ("endpoints", endpoints),
            ("session", session), ("messages", messages), ("message", message), ("endpoint-form", endpointForm),
            ("secret", secret), ("error", error), ("operation", operation), ("operations", operations),
            ("sessions", sessions), ("session-lookup", sessionLookup), ("bulk-confirm", bulkConfirm),
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
        {{#refresh}}<meta http-equiv="refresh" content="{{.}}">{{/refresh}}
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
            <a href="/operations"{{#onOperations}} aria-current="page"{{/onOperations}}>Bulk actions</a>
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
        {{#session}}<footer class="hint">Times are UTC.</footer>{{/session}}
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
