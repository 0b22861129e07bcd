/// The dashboard's one stylesheet: plain CSS, readable on a laptop and on a phone.
enum DashboardStyle {
    static let css = """
        :root { --ink: #1d2530; --muted: #5b6675; --line: #dde2e8; --bg: #f6f7f9; --accent: #2457c5;
                --ok: #1f7a3d; --bad: #b3261e; --wait: #8a5a00; font-family: system-ui, -apple-system, sans-serif; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--ink); background: var(--bg); font-size: 15px; }
        a { color: var(--accent); }
        .top { display: flex; flex-wrap: wrap; gap: .75rem 1.5rem; align-items: center; padding: .6rem 1rem;
               background: #fff; border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; text-decoration: none; color: var(--ink); }
        nav a { margin-right: 1rem; text-decoration: none; }
        nav a[aria-current] { font-weight: 600; border-bottom: 2px solid var(--accent); }
        .who { margin-left: auto; display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
        main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
        body > footer { padding: 0 1rem 1rem; max-width: 1200px; margin: 0 auto; }
        h1 { font-size: 1.4rem; margin: .5rem 0 1rem; }
        h2 { font-size: 1.1rem; margin-top: 1.5rem; }
        h3 { font-size: 1rem; margin: 0 0 .4rem; }
        form.inline { display: inline; }
        button { font: inherit; padding: .3rem .7rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
        button:hover { border-color: var(--accent); }
        input, select { font: inherit; padding: .25rem .4rem; border: 1px solid var(--line); border-radius: 5px; }
        .filters, .bulk { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: 1rem 0;
                          padding: .75rem; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
        /* One line, so that the column is as wide as the page, not as its widest field. */
        .stacked { flex-direction: column; align-items: stretch; flex-wrap: nowrap; }
        .stacked input, .stacked textarea, .stacked select { max-width: min(40rem, 100%); }
        .filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
        .counts { display: flex; flex-wrap: wrap; gap: .4rem; list-style: none; padding: 0; margin: 0; }
        .counts a { display: inline-block; padding: .2rem .6rem; border-radius: 999px; background: #fff;
                    border: 1px solid var(--line); text-decoration: none; }
        .counts a.current { border-color: var(--accent); }
        .scroll { overflow-x: auto; }
        table.records { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
        .records th, .records td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        .records th { font-size: .8rem; color: var(--muted); font-weight: 600; }
        td.url { word-break: break-all; max-width: 22rem; }
        .empty { color: var(--muted); text-align: center; padding: 1.5rem; }
        .state { font-weight: 600; text-decoration: none; }
        .state.succeeded, .state.active, .state.healthy { color: var(--ok); }
        .state.exhausted, .state.rejected, .state.failed, .state.gone, .state.disabled { color: var(--bad); }
        .state.pending, .state.retrying, .state.batched, .state.paused { color: var(--wait); }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; background: #fff;
                 padding: .75rem 1rem; border: 1px solid var(--line); border-radius: 8px; }
        .facts dt { color: var(--muted); }
        .facts dd { margin: 0; }
        .actions { margin: 1rem 0; display: flex; gap: .5rem; flex-wrap: wrap; }
        pre { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .75rem; overflow-x: auto;
              font-size: .85rem; white-space: pre-wrap; word-break: break-word; }
        .attempt { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin-bottom: .75rem; }
        .notice { background: #e8f1ff; border: 1px solid #b9d0f7; padding: .5rem .75rem; border-radius: 6px; }
        .problem { color: var(--bad); }
        .login { max-width: 24rem; margin: 3rem auto; background: #fff; padding: 1.5rem; border: 1px solid var(--line); border-radius: 10px; }
        .login form { display: flex; flex-direction: column; gap: .6rem; }
        .hint { color: var(--muted); font-size: .85rem; }
        .chart { margin: 0 0 1rem; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .6rem .75rem; }
        .chart svg { width: 100%; height: 70px; display: block; }
        .chart .ok { fill: #4caf70; } .chart .bad { fill: #d9534f; }
        .chart figcaption { font-size: .85rem; color: var(--muted); margin-top: .3rem; }
        .chip { display: inline-block; padding: .05rem .45rem; border-radius: 999px; border: 1px solid var(--line);
                background: #fff; font-size: .85rem; margin: .1rem 0; }
        .chip.fired { border-color: #9fd3b0; color: var(--ok); }
        .chip.waiting { border-color: #f0d29a; color: var(--wait); }
        .chip.finished { border-color: #9fd3b0; color: var(--ok); }
        .chip.failed { border-color: #efb1ac; background: #fdeceb; color: var(--bad); font-weight: 600; }
        .records tr.failed td { background: #fff6f5; }
        .records tr.failed td:first-child { box-shadow: inset 3px 0 var(--bad); }
        .filters label.check { flex-direction: row; align-items: center; gap: .35rem; color: var(--ink); font-size: 1rem; }
        .state.finished, .state.delivered, .state.sent, .state.received { color: var(--ok); }
        .state.errored, .state.abandoned, .state.cancelled { color: var(--bad); }
        progress { width: 100%; height: 1.25rem; }
        /* Only the chosen kind's fields, where the browser can tell (:has); all of them otherwise. */
        details:has(option[value=exponential]:not(:checked)) fieldset.exponential,
        details:has(option[value=delays]:not(:checked)) fieldset.delays, details:has(option[value=fixed]:not(:checked)) fieldset.fixed,
        details:has(option[value=template]:not(:checked)) fieldset.template, details:has(option[value=basic]:not(:checked)) fieldset.basic,
        details:has(option[value=bearer]:not(:checked)) fieldset.bearer, details:has(option[value=apiKey]:not(:checked)) fieldset.apiKey,
        details:has(option[value=oauth2]:not(:checked)) fieldset.oauth2 { display: none; }
        .graph { margin: .5rem 0 1rem; }
        .graph svg { width: 100%; height: auto; overflow: visible; }
        .graph .node rect { fill: #fff; stroke: #9aa5b4; stroke-width: 1.5; }
        .graph .node.waiting rect, .graph .node.unstarted rect { stroke-dasharray: 4 3; }
        .graph .node.fired rect, .graph .node.finished rect { stroke: var(--ok); }
        .graph .node.failed rect, .graph .node.abandoned rect { stroke: var(--bad); stroke-width: 2.5; }
        .graph .node.scheduled rect, .graph .node.running rect { stroke: var(--wait); }
        .graph .node text { font-size: 13px; fill: currentColor; }
        .graph .node text.what { font-size: 11px; opacity: .75; }
        .graph .edge { fill: none; stroke: #8894a8; stroke-width: 1.5; }
        .graph .edge.unless { stroke: var(--bad); stroke-dasharray: 5 4; }
        .graph marker path { fill: #8894a8; }
        .state.scheduled, .state.running, .state.unstarted, .state.queued, .state.processing { color: var(--wait); }
        textarea { font: .85rem ui-monospace, monospace; padding: .25rem .4rem; border: 1px solid var(--line); border-radius: 5px; }
        .endpoint-form details { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .75rem; }
        .endpoint-form summary { cursor: pointer; font-weight: 600; }
        .endpoint-form details[open] > summary { margin-bottom: .5rem; }
        .endpoint-form details > * + * { margin-top: .5rem; }
        .endpoint-form fieldset { display: flex; flex-wrap: wrap; gap: .5rem 1rem; min-width: 0; border: 1px solid var(--line); border-radius: 6px; }
        .endpoint-form legend { font-size: .85rem; color: var(--muted); }
        .endpoint-form fieldset label, .endpoint-form fieldset input, .endpoint-form fieldset textarea { max-width: 100%; }
        .endpoint-form .hint { margin-bottom: 0; }
        .filters label.check { flex-direction: row; align-items: center; gap: .4rem; color: var(--ink); }
        td.throughput { white-space: nowrap; }
        @media (max-width: 640px) { .records th:nth-child(n+5), .records td:nth-child(n+5) { display: none; } }
        """
}
