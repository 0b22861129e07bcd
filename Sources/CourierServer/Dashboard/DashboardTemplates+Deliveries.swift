extension DashboardTemplates {
    static let deliveries = """
        <h1>Deliveries</h1>
        {{{chart}}}
        <ul class="counts">
          {{#counts}}<li><a href="{{link}}" class="state {{state}}{{#current}} current{{/current}}">{{state}} <b>{{count}}</b></a></li>{{/counts}}
        </ul>
        <form method="get" action="/deliveries" class="filters">
          {{#endpointField}}<label>Endpoint id <input name="endpoint" value="{{filter.endpoint}}" placeholder="ep_…" size="14"></label>{{/endpointField}}
          {{^endpointField}}<label>Endpoint <select name="endpoint"><option value="">any</option>
            {{#endpointOptions}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/endpointOptions}}
          </select></label>{{/endpointField}}
          <label>State <select name="state"><option value="">any</option>
            {{#stateOptions}}<option{{#selected}} selected{{/selected}}>{{state}}</option>{{/stateOptions}}
          </select></label>
          <label>Event type <input name="type" value="{{filter.type}}" size="14"></label>
          <label>Key <input name="key" value="{{filter.key}}" size="10"></label>
          <label>Event id <input name="event" value="{{filter.event}}" size="14"></label>
          <label>Batch id <input name="batch" value="{{filter.batch}}" size="14"></label>
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
        <form method="post" action="/deliveries/bulk/confirm" class="bulk">
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{#hiddenFilter}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hiddenFilter}}
          {{#some}}
          <span>{{scope}} (<b class="matching">{{matching}}</b>):</span>
          <button name="action" value="requeue">Requeue…</button>
          <button name="action" value="resend">Resend…</button>
          <button name="action" value="cancel">Cancel…</button>
          {{/some}}
          {{^some}}<span>No delivery matches: nothing to act on in bulk.</span>{{/some}}
          <a href="/operations">Bulk actions so far</a>
        </form>
        """

    static let delivery = """
        <p><a href="/deliveries">← Deliveries</a></p>
        <h1>Delivery <code>{{id}}</code></h1>
        <dl class="facts">
          <dt>State</dt><dd><span class="state {{state}}">{{state}}</span></dd>
          <dt>Kind</dt><dd>{{kind}}</dd>
          <dt>Endpoint</dt><dd>{{endpoint}}</dd>
          {{#batchID}}<dt>Carried by</dt><dd><a href="/deliveries/{{batchID}}">batch <code>{{batchID}}</code></a></dd>{{/batchID}}
          {{#isBatch}}<dt>Carries</dt><dd><a href="/deliveries?batch={{id}}">the deliveries in this batch</a></dd>{{/isBatch}}
          {{#sessionLink}}<dt>Session</dt><dd><a href="{{sessionLink}}">its session</a>, where a run is replayed or skipped</dd>{{/sessionLink}}
          {{#messageLink}}<dt>Message</dt><dd><a href="{{messageLink}}">its message</a></dd>{{/messageLink}}
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
        {{#asSent}}
        <h2>As sent ({{format}})</h2>
        <p class="hint">{{#contentType}}<code>{{contentType}}</code>, {{/contentType}}as the endpoint's format makes it now.</p>
        {{#body}}<pre class="as-sent">{{body}}</pre>{{/body}}
        {{#nothing}}<p class="empty">Nothing: the template makes only white space of this event, so no request is made.</p>{{/nothing}}
        {{/asSent}}
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
}
