extension DashboardTemplates {
    static let messages = """
        <h1>Messages</h1>
        <form method="get" action="/messages" class="filters">
          <label>Direction <select name="direction"><option value="">any</option>
            {{#directions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/directions}}</select></label>
          <label>Status <select name="status"><option value="">any</option>
            {{#statuses}}<option{{#selected}} selected{{/selected}}>{{status}}</option>{{/statuses}}</select></label>
          <label>Backend <input name="backend" value="{{backend}}" size="12"></label>
          <label>Since <input name="since" value="{{since}}" placeholder="2026-01-31T00:00:00Z" size="20"></label>
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
        {{#shown}}<p class="hint">{{shown}}</p>{{/shown}}
        <div class="scroll"><table class="records">
          <thead><tr><th>Status</th><th>Backend</th><th>Identity</th><th>Error</th><th>Sent</th><th>Delivered</th><th>Batch</th></tr></thead>
          <tbody>
          {{#transmissions}}
            <tr><td><span class="state {{status}}">{{status}}</span></td><td>{{backend}}</td><td>{{identity}}</td><td>{{error}}</td>
              <td>{{sent}}</td><td>{{delivered}}</td><td>{{#delivery}}<a href="/deliveries/{{delivery}}">record</a>{{/delivery}}</td></tr>
          {{/transmissions}}
          </tbody>
        </table></div>
        <p>{{#first}}<a href="{{first}}">← First recipients</a> {{/first}}{{#next}}<a href="{{next}}" rel="next">More recipients →</a>{{/next}}</p>
        {{/hasTransmissions}}
        """
}
