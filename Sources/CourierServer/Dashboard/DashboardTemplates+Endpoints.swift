extension DashboardTemplates {
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
}
