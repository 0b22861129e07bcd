extension DashboardTemplates {
    static let endpoints = """
        <h1>Endpoints</h1>
        <p><a href="/endpoints/new">New endpoint</a></p>
        <div class="scroll">
        <table class="records">
          <thead><tr><th>Endpoint</th><th>URL</th><th>Status</th><th>Health</th><th>Backlog</th><th title="Attempts finished per minute over the last {{window}}">Throughput</th><th></th></tr></thead>
          <tbody>
          {{#rows}}
            <tr>
              <td><a href="/deliveries?endpoint={{id}}">{{label}}</a><br><small><code>{{id}}</code></small></td>
              <td class="url">{{url}}</td>
              <td><span class="state {{status}}">{{status}}</span>{{#reason}}<br><small>{{reason}}</small>{{/reason}}</td>
              <td>{{health}}{{#lastSuccess}}<br><small>last success {{lastSuccess}}</small>{{/lastSuccess}}</td>
              <td>{{backlog}}</td>
              <td class="throughput">{{throughput}}/min<br><small>{{finished}}</small></td>
              <td class="row-actions">
                {{#canPause}}<form method="post" action="/endpoints/{{id}}/pause" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>Pause</button></form>{{/canPause}}
                {{^canPause}}<form method="post" action="/endpoints/{{id}}/resume" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>Resume</button></form>{{/canPause}}
                <form method="post" action="/endpoints/{{id}}/test" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>Send test</button></form>
                <a href="/endpoints/{{id}}/edit">Edit</a>
              </td>
            </tr>
          {{/rows}}
          {{^rows}}<tr><td colspan="7" class="empty">No endpoint yet: create one with <code>POST /v1/endpoints</code> or <code>courier endpoints create</code>.</td></tr>{{/rows}}
          </tbody>
        </table>
        </div>
        {{#next}}<p><a href="{{next}}" rel="next">Older endpoints →</a></p>{{/next}}
        """

    /// The common settings first; the others in groups that open when they hold something
    /// other than the defaults. Without a script every kind's fields show: only the chosen
    /// kind's are read. A textarea's first line break is dropped by HTML, hence the one after
    /// each opening tag (and the content at the start of the next line).
    static let endpointForm = """
        <p><a href="/endpoints">← Endpoints</a></p>
        <h1>{{heading}}</h1>
        {{#problem}}<p class="problem" role="alert">{{problem}}{{#retypeCredentials}} The credential you typed is not shown back: type it again.{{/retypeCredentials}}</p>{{/problem}}
        <form method="post" action="{{action}}" class="filters stacked endpoint-form">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label>Name <input name="name" value="{{name}}" placeholder="crm" size="30"></label>
          <label>URL <input name="url" value="{{url}}" placeholder="https://example.com/webhooks" size="50" required></label>
          <label>Event types (space separated; * for all, none for no events) <input name="eventTypes" value="{{eventTypes}}" size="50"></label>
          <label><span>Description</span> <textarea name="description" rows="2" cols="50">
        {{description}}</textarea></label>
          <label>Requests at once <input name="maxInFlight" value="{{maxInFlight}}" size="5" inputmode="numeric"></label>
          <details{{#openRequest}} open{{/openRequest}}>
            <summary>Method, headers and timeout</summary>
            <label>Method <select name="method">{{#methodOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/methodOptions}}</select></label>
            <label><span>Headers sent with every request, one <code>Name: value</code> a line</span> <textarea name="headers" rows="3" cols="50" spellcheck="false">
        {{headers}}</textarea></label>
            <label>Timeout (s) <input name="timeoutSeconds" value="{{timeoutSeconds}}" size="5" inputmode="numeric" placeholder="the server's"></label>
          </details>
          <details{{#openRetry}} open{{/openRetry}}>
            <summary>Retries</summary>
            <label>Schedule <select name="retry">{{#retryOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/retryOptions}}</select></label>
            <fieldset class="kind exponential"><legend>Exponential</legend>
              <label>First wait (s) <input name="retryInitial" value="{{retryInitial}}" size="8" placeholder="5"></label>
              <label>Factor <input name="retryFactor" value="{{retryFactor}}" size="5" placeholder="2"></label>
              <label>Longest wait (s) <input name="retryMax" value="{{retryMax}}" size="8" placeholder="3600"></label>
              <label>Attempts <input name="retryMaxAttempts" value="{{retryMaxAttempts}}" size="5" placeholder="10"></label>
              <label>Give up after (s) <input name="retryMaxAge" value="{{retryMaxAge}}" size="8" placeholder="no limit"></label>
            </fieldset>
            <fieldset class="kind delays"><legend>Listed waits</legend>
              <label>Seconds after each failed attempt, space separated <input name="retryDelays" value="{{retryDelays}}" size="40" placeholder="5 300 1800"></label>
            </fieldset>
            <fieldset class="kind fixed"><legend>Fixed interval</legend>
              <label>Retries <input name="retryRetries" value="{{retryRetries}}" size="5" placeholder="3"></label>
              <label>Interval (s) <input name="retryInterval" value="{{retryInterval}}" size="8" placeholder="180"></label>
            </fieldset>
          </details>
          <details{{#openDelivery}} open{{/openDelivery}}>
            <summary>Batching, order and rate</summary>
            <fieldset><legend>Batches (both empty: one request per event)</legend>
              <label>Most events in a batch <input name="batchMaxSize" value="{{batchMaxSize}}" size="6" placeholder="1 to 1000"></label>
              <label>Longest wait (ms) <input name="batchMaxWaitMs" value="{{batchMaxWaitMs}}" size="9" placeholder="1000"></label>
            </fieldset>
            <label class="check"><input type="checkbox" name="ordered"{{#ordered}} checked{{/ordered}}> Ordered: one request at a time, oldest first (not with batches)</label>
            <fieldset><legend>Rate limit (both empty: no limit; requests are spaced evenly)</legend>
              <label>Requests <input name="rateLimitRequests" value="{{rateLimitRequests}}" size="8" placeholder="10"></label>
              <label>in seconds <input name="rateLimitSeconds" value="{{rateLimitSeconds}}" size="6" placeholder="1"></label>
            </fieldset>
          </details>
          <details{{#openFormat}} open{{/openFormat}}>
            <summary>Format</summary>
            <label>Body <select name="format">{{#formatOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/formatOptions}}</select></label>
            <fieldset class="kind template"><legend>Template</legend>
              <label>Mustache over id, type, key, timestamp and data <textarea name="formatTemplate" rows="6" cols="50" spellcheck="false">
        {{formatTemplate}}</textarea></label>
              <label>Content type <input name="formatContentType" value="{{formatContentType}}" size="40" placeholder="text/plain; charset=utf-8"></label>
            </fieldset>
          </details>
          <details{{#openStatuses}} open{{/openStatuses}}>
            <summary>Response statuses</summary>
            <label>Retry although final (space separated) <input name="retryStatuses" value="{{retryStatuses}}" size="30" placeholder="404 409"></label>
            <label>Do not retry although retryable <input name="noRetryStatuses" value="{{noRetryStatuses}}" size="30" placeholder="503"></label>
          </details>
          <details{{#openAuth}} open{{/openAuth}}>
            <summary>Authentication</summary>
            <p class="hint">Credentials are never shown.{{#id}} Leave one empty to keep the stored one; choose None to remove them.{{/id}}</p>
            <label>Type <select name="auth">{{#authOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/authOptions}}</select></label>
            <fieldset class="kind basic"><legend>Basic</legend>
              <label>Username <input name="authUsername" value="{{authUsername}}" size="30" autocomplete="off"></label>
              <label>Password <input name="authPassword" type="password" size="30" autocomplete="new-password"{{#keptBasic}} placeholder="stored: leave empty to keep"{{/keptBasic}}></label>
            </fieldset>
            <fieldset class="kind bearer"><legend>Bearer token</legend>
              <label>Token <input name="authToken" type="password" size="40" autocomplete="new-password"{{#keptBearer}} placeholder="stored: leave empty to keep"{{/keptBearer}}></label>
            </fieldset>
            <fieldset class="kind apiKey"><legend>API key header</legend>
              <label>Header <input name="authHeader" value="{{authHeader}}" size="30" placeholder="X-Api-Key"></label>
              <label>Key <input name="authValue" type="password" size="40" autocomplete="new-password"{{#keptApiKey}} placeholder="stored: leave empty to keep"{{/keptApiKey}}></label>
            </fieldset>
            <fieldset class="kind oauth2"><legend>OAuth 2.0 client credentials</legend>
              <label>Token URL <input name="authTokenUrl" value="{{authTokenUrl}}" size="50"></label>
              <label>Client id <input name="authClientId" value="{{authClientId}}" size="30" autocomplete="off"></label>
              <label>Client secret <input name="authClientSecret" type="password" size="40" autocomplete="new-password"{{#keptOauth2}} placeholder="stored: leave empty to keep"{{/keptOauth2}}></label>
              <label>Scope <input name="authScope" value="{{authScope}}" size="30"></label>
              <label>Audience <input name="authAudience" value="{{authAudience}}" size="30"></label>
            </fieldset>
          </details>
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
}
