extension DashboardTemplates {
    /// Looking a session up by its uid, on the list and on a session's page.
    static let sessionLookup = """
        <form method="get" action="/sessions" class="filters">
          <label>Session uid <input name="uid" value="{{uid}}" placeholder="applicant:42" size="30"></label>
          <button>Show</button>
        </form>
        """

    static let sessions = """
        <h1>Sessions</h1>
        {{> session-lookup}}
        <form method="get" action="/sessions" class="filters">
          <label class="check"><input type="checkbox" name="failed" value="true"{{#failedOnly}} checked{{/failedOnly}}> Failed only</label>
          <label>Uid starts with <input name="prefix" value="{{prefix}}" placeholder="applicant:" size="16"></label>
          <button>Filter</button>{{#filtered}} <a href="/sessions">Clear</a>{{/filtered}}
        </form>
        <div class="scroll"><table class="records sessions">
          <thead><tr><th>Session</th><th>Changed</th><th>Instances</th><th>Tasks</th><th>Finalized</th></tr></thead>
          <tbody>
          {{#rows}}
            <tr{{#failed}} class="failed"{{/failed}}>
              <td><a href="{{link}}">{{uid}}</a></td>
              <td>{{updated}}</td>
              <td>{{#counts}}<span class="chip {{status}}">{{count}} {{status}}</span> {{/counts}}{{^counts}}none yet{{/counts}}</td>
              <td>{{tasks}}</td>
              <td>{{#finalized}}yes{{/finalized}}{{^finalized}}no{{/finalized}}</td>
            </tr>
          {{/rows}}
          {{^rows}}<tr><td colspan="5" class="empty">No session matches.</td></tr>{{/rows}}
          </tbody>
        </table></div>
        {{#next}}<p><a href="{{next}}" rel="next">Sessions changed earlier →</a></p>{{/next}}
        """

    static let session = """
        <p><a href="/sessions">← Sessions</a></p>
        <h1>Session</h1>
        {{> session-lookup}}
        {{#found}}
        <dl class="facts">
          <dt>Uid</dt><dd><code>{{uid}}</code></dd>
          {{#finalizeTrigger}}<dt>Finalize trigger</dt><dd>{{finalizeTrigger}}{{#finalized}} (fired){{/finalized}}</dd>{{/finalizeTrigger}}
          <dt>Unresolved</dt><dd>{{#unresolved}}<span class="chip">{{.}}</span> {{/unresolved}}{{^unresolved}}nothing{{/unresolved}}</dd>
        </dl>
        <h2>Tasks</h2>
        {{{graph}}}
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
            <label>Result <input name="result" placeholder='{"status": "done"} or empty' size="20"></label>
            <label><input type="checkbox" name="cascade" value="1"> cascade: fire the task's name with the result</label>
            <button>Skip</button>
          </form>
          {{/failed}}
        </article>
        {{/instances}}
        {{^instances}}<p class="empty">No instance yet.</p>{{/instances}}
        {{/found}}
        {{#missing}}<p class="empty">No session {{uid}} in this tenant.</p>{{/missing}}
        """
}
