extension DashboardTemplates {
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
}
