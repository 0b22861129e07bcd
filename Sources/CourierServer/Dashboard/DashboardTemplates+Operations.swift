extension DashboardTemplates {
    /// The step between the list's bulk buttons and the operation: what, over which
    /// deliveries, and how many, before anything changes.
    static let bulkConfirm = """
        <p><a href="{{back}}">← Deliveries</a></p>
        <h1>{{heading}}</h1>
        {{#some}}
        <p>This will {{action}} {{scope}}: <b class="matching">{{matching}}</b> as of now.{{#whole}} <strong>That is the whole tenant.</strong>{{/whole}}
          Those whose state does not allow it are left as they are, and deliveries made after it starts are not in it.</p>
        <form method="post" action="/deliveries/bulk" class="actions">
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{#hiddenFilter}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hiddenFilter}}
          <button name="action" value="{{action}}">{{button}}</button> <a href="{{back}}">Back, changing nothing</a>
        </form>
        {{/some}}
        {{^some}}<p class="empty">No delivery matches now: there is nothing to {{action}}.</p>{{/some}}
        """

    static let operation = """
        <p><a href="/operations">← Bulk actions</a></p>
        <h1>{{label}}</h1>
        <p>Over {{filter}}.</p>
        <progress max="{{max}}" value="{{matched}}" aria-label="progress">{{percent}}%</progress>
        <p class="progress" role="status">{{percent}}% · {{matched}} of {{total}} matching deliveries walked, {{changed}} changed.</p>
        <dl class="facts">
          <dt>Status</dt><dd><span class="state {{status}}">{{status}}</span></dd>
          <dt>Started</dt><dd>{{created}}</dd>
          {{#finished}}<dt>Ended</dt><dd>{{finished}}</dd>{{/finished}}
        </dl>
        {{#running}}
        <p>It goes on in the background, a chunk at a time; this page follows it. Stopping keeps what is done.</p>
        <form method="post" action="/operations/{{id}}/cancel" class="actions">
          <input type="hidden" name="csrf" value="{{csrf}}"><button>Stop</button>
        </form>
        {{/running}}
        <p><a href="{{deliveries}}">The deliveries this filter matches →</a></p>
        """

    static let operations = """
        <h1>Bulk actions</h1>
        <div class="scroll"><table class="records">
          <thead><tr><th>Action</th><th>Filter</th><th>Status</th><th>Progress</th><th>Started</th></tr></thead>
          <tbody>
          {{#rows}}
          <tr>
            <td><a href="/operations/{{id}}">{{action}}</a></td><td>{{filter}}</td>
            <td><span class="state {{status}}">{{status}}</span></td><td>{{changed}} changed of {{matched}} / {{total}}</td>
            <td>{{created}}</td>
          </tr>
          {{/rows}}
          {{^rows}}<tr><td colspan="5">None yet. Start one from the deliveries page, over a filter.</td></tr>{{/rows}}
          </tbody>
        </table></div>
        {{#next}}<p><a href="{{next}}" rel="next">Older →</a></p>{{/next}}
        """
}
