"""The dashboard in a real browser (Debian's chromium driven by Playwright).

Run by Tests/CourierServerTests/DashboardBrowserTests.swift against a live server that has
three exhausted deliveries to one endpoint whose receiver now answers 200:

    python3 dashboard_pages.py BASE_URL ADMIN_TOKEN ARTIFACTS_DIR

It signs in, finds a failed delivery, opens it, presses Resend and sees the new attempt,
requeues the rest in bulk over a filter (seeing the count, and confirming) and follows that
bulk action's page to its end, pauses and resumes the endpoint (whose throughput counts
those attempts), sets every kind of endpoint setting through the form and checks them
through the API, finds the failed session in the list and replays it, reads an XML
endpoint's delivery (in the tenant `lab`) indented, and checks that a wrong token and a
forged form are refused. It saves a screenshot of each page, and exits non-zero with a
message on the first thing that is not as it should be. The caller checks that the endpoint
`billing` made here got its test event with method PUT, header `X-Source: courier` and
`Authorization: Bearer tok-3f9a`.
"""
import os
import re
import sys
import time

from playwright.sync_api import expect, sync_playwright

base, token, artifacts = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(artifacts, exist_ok=True)
chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def shot(page, name):
    page.screenshot(path=os.path.join(artifacts, name + ".png"), full_page=True)


def api(page, method, path, body=None):
    answer = page.request.fetch(base + path, method=method, headers={"Authorization": "Bearer " + token}, data=body)
    assert answer.ok, "%s %s answered %d: %s" % (method, path, answer.status, answer.text())
    return answer.json()


def endpoint_named(page, name):
    return next(e for e in api(page, "GET", "/v1/endpoints")["data"] if e["name"] == name)


def without_times(endpoint):
    # What a save may change besides the settings: when it happened, and the health's clock.
    return {k: v for k, v in endpoint.items() if k not in ("updatedAt", "health")}


def reload_until(page, predicate, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
        page.reload()
    raise AssertionError("timed out waiting for " + what)


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page(viewport={"width": 1280, "height": 800})

    # Signed out: sent to sign in. A wrong token is refused.
    page.goto(base + "/deliveries")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.fill("#token", "not-a-token")
    page.click("button[type=submit]")
    expect(page.locator(".problem")).to_contain_text("not valid")
    shot(page, "login")

    page.fill("#token", token)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/deliveries$"))
    expect(page.locator("a.state.exhausted b")).to_have_text("3")
    expect(page.locator("a.state.rejected b")).to_have_text("2")
    # The chart counts the five attempts of the last hour, none of which succeeded.
    expect(page.locator(".chart figcaption")).to_contain_text("0 succeeded")
    expect(page.locator(".chart figcaption")).to_contain_text("5 did not")
    shot(page, "deliveries")

    # Filter by event type: the three events, not the task's run or the message's batch.
    page.fill("input[name=type]", "case.updated")
    page.click("button:text-is('Filter')")
    expect(page.locator("table.records tbody tr")).to_have_count(3)
    page.goto(base + "/deliveries")

    # Find a failed delivery and open it.
    page.click("a.state.exhausted")
    rows = page.locator("table.records tbody tr")
    expect(rows).to_have_count(3)
    rows.first.locator("td a").first.click()
    expect(page.locator("h1")).to_contain_text("Delivery")
    expect(page.locator(".attempt")).to_have_count(1)
    expect(page.locator("pre.payload")).to_contain_text('"i":')
    shot(page, "delivery-failed")

    # Resend: a new attempt, which succeeds.
    page.click("button:text-is('Resend')")
    expect(page.locator(".notice")).to_contain_text("Resend")
    # (The record and its attempts are read one after the other: reload until both show it.)
    reload_until(
        page, lambda: page.locator(".attempt").count() == 2 and page.locator(".facts .state").inner_text() == "succeeded",
        "the resend's attempt",
    )
    expect(page.locator(".attempt").first.locator(".state")).to_have_text("succeeded")
    expect(page.locator(".facts .state")).to_have_text("succeeded")
    shot(page, "delivery-resent")

    # The other two, requeued in bulk over the filter state=exhausted.
    page.goto(base + "/deliveries?state=exhausted")
    expect(rows).to_have_count(2)
    expect(page.locator("form.bulk b.matching")).to_have_text("2")
    page.click("form.bulk button[value=requeue]")
    # Nothing changes before the confirmation, which names the action and the count.
    expect(page.locator("h1")).to_have_text("Requeue 2 deliveries?")
    expect(page.locator("main")).to_contain_text("the deliveries where state exhausted")
    shot(page, "bulk-confirm")
    page.click("button:text-is('Requeue 2 deliveries')")
    # A bulk action runs in the background; its page follows it (reloading itself) to the end.
    expect(page).to_have_url(re.compile(r"/operations/op_"))
    expect(page.locator("h1")).to_have_text("Requeue in bulk")
    reload_until(page, lambda: page.locator(".facts .state").inner_text() == "finished", "the bulk requeue to finish")
    expect(page.locator("p.progress")).to_contain_text("100% · 2 of 2 matching deliveries walked, 2 changed")
    expect(page.locator("progress")).to_have_attribute("value", "2")
    shot(page, "bulk-operation")
    page.click("nav >> text=Bulk actions")
    expect(page).to_have_url(re.compile(r"/operations$"))
    expect(page.locator("table.records tbody tr")).to_have_count(1)
    expect(page.locator("table.records tbody tr")).to_contain_text("state exhausted")
    page.goto(base + "/deliveries")
    reload_until(page, lambda: page.locator("a.state.succeeded b").inner_text() == "3", "the requeued deliveries to succeed")
    expect(page.locator("a.state.exhausted b")).to_have_text("0")
    expect(page.locator(".chart figcaption")).to_contain_text("3 succeeded")

    # Pause the endpoint, then resume it.
    page.click("nav >> text=Endpoints")
    expect(page.locator("table.records tbody tr")).to_have_count(3)
    crm = page.locator("table.records tbody tr", has_text="/hook")
    # Its throughput: three failed attempts, the resend and the two requeued, over 15 minutes.
    expect(crm.locator("td.throughput")).to_contain_text("0.4/min")
    expect(crm.locator("td.throughput small")).to_have_text("6 in 15 min, 3 not succeeded")
    crm.locator("button:text-is('Pause')").click()
    expect(page.locator(".notice")).to_contain_text("Paused")
    expect(crm.locator("td .state")).to_have_text("paused")
    shot(page, "endpoints-paused")
    crm.locator("button:text-is('Resume')").click()
    expect(crm.locator("td .state")).to_have_text("active")
    shot(page, "endpoints")

    # A new endpoint from the form: a bad URL is refused with the reason, then it is saved
    # and its secret shown once; then it is edited, and its secret rotated.
    page.click("text=New endpoint")
    page.fill("input[name=name]", "audit")
    page.fill("input[name=url]", "ftp://example.com/audit")
    page.fill("input[name=eventTypes]", "audit.*")
    page.click("button:text-is('Save')")
    expect(page.locator(".problem")).to_contain_text("http or https")
    expect(page.locator("input[name=name]")).to_have_value("audit")
    page.fill("input[name=url]", "http://127.0.0.1:9/audit")
    page.click("button:text-is('Save')")
    expect(page.locator("h1")).to_have_text("Created audit")
    first_secret = page.locator("pre.secret").inner_text()
    assert first_secret.startswith("whsec_"), first_secret
    page.goto(base + "/endpoints")
    expect(page.locator("table.records tbody tr")).to_have_count(4)
    page.locator("table.records tbody tr", has_text="audit").locator("text=Edit").click()
    expect(page.locator("input[name=eventTypes]")).to_have_value("audit.*")
    page.fill("textarea[name=description]", "the audit log")
    page.click("button:text-is('Save')")
    expect(page.locator(".notice")).to_contain_text("Saved audit")
    page.locator("table.records tbody tr", has_text="audit").locator("text=Edit").click()
    expect(page.locator("textarea[name=description]")).to_have_value("the audit log")
    shot(page, "endpoint-edit")
    page.click("button:text-is('Rotate the secret')")
    second_secret = page.locator("pre.secret").inner_text()
    assert second_secret.startswith("whsec_") and second_secret != first_secret, "a new secret"

    # Every other setting from the form, in its group: the API shows exactly what was set,
    # and never the token.
    receiver = endpoint_named(page, "crm")["url"].rsplit("/hook", 1)[0]
    page.goto(base + "/endpoints/new")
    expect(page.locator("details[open]")).to_have_count(0)
    page.fill("input[name=name]", "billing")
    page.fill("input[name=url]", receiver + "/billing")
    page.fill("input[name=eventTypes]", "invoice.*")
    page.click("summary:text-is('Method, headers and timeout')")
    page.select_option("select[name=method]", "PUT")
    page.fill("textarea[name=headers]", "X-Source: courier")
    page.fill("input[name=timeoutSeconds]", "45")
    page.click("summary:text-is('Retries')")
    page.select_option("select[name=retry]", "exponential")
    page.fill("input[name=retryInitial]", "2")
    page.fill("input[name=retryMaxAttempts]", "4")
    page.click("summary:text-is('Batching, order and rate')")
    page.fill("input[name=batchMaxSize]", "25")
    page.fill("input[name=batchMaxWaitMs]", "200")
    page.fill("input[name=rateLimitRequests]", "600")
    page.fill("input[name=rateLimitSeconds]", "60")
    page.click("summary:text-is('Format')")
    page.select_option("select[name=format]", "raw")
    page.click("summary:text-is('Response statuses')")
    page.fill("input[name=retryStatuses]", "404")
    page.click("summary:text-is('Authentication')")
    page.select_option("select[name=auth]", "bearer")
    page.fill("input[name=authToken]", "tok-3f9a")
    shot(page, "endpoint-new-settings")
    page.click("button:text-is('Save')")
    expect(page.locator("h1")).to_have_text("Created billing")
    assert "tok-3f9a" not in page.content(), "the token is shown after creating"
    billing = endpoint_named(page, "billing")
    expected = {
        "url": receiver + "/billing", "method": "PUT", "eventTypes": ["invoice.*"], "headers": {"X-Source": "courier"},
        "retry": {"initial": 2, "factor": 2, "max": 3600, "maxAttempts": 4}, "batch": {"maxSize": 25, "maxWaitMs": 200},
        "ordered": False, "format": "raw", "statusOverrides": {"retry": [404], "noRetry": []}, "auth": {"type": "bearer"},
        "maxInFlight": 16, "rateLimit": {"requests": 600, "seconds": 60}, "timeoutSeconds": 45, "description": None,
    }
    for key, value in expected.items():
        assert billing[key] == value, "%s: %r, not %r" % (key, billing[key], value)

    # The edit form shows it all (its groups open), but not the token; saved unchanged,
    # nothing changes, the token included (the test event below carries it).
    page.goto(base + "/endpoints/%s/edit" % billing["id"])
    expect(page.locator("details[open]")).to_have_count(6)
    expect(page.locator("select[name=method]")).to_have_value("PUT")
    expect(page.locator("input[name=batchMaxSize]")).to_have_value("25")
    expect(page.locator("input[name=authToken]")).to_have_value("")
    expect(page.locator("input[name=authToken]")).to_have_attribute("placeholder", re.compile("leave empty to keep"))
    assert "tok-3f9a" not in page.content(), "the token is shown on the edit form"
    shot(page, "endpoint-edit-settings")
    page.click("button:text-is('Save')")
    expect(page.locator(".notice")).to_contain_text("Saved billing")
    assert without_times(endpoint_named(page, "billing")) == without_times(billing), "an unchanged save changed it"

    # Mistakes: refused with the problem named, what was typed kept but the credential, and
    # nothing changed.
    page.goto(base + "/endpoints/%s/edit" % billing["id"])
    page.fill("input[name=batchMaxSize]", "lots")
    page.fill("textarea[name=headers]", "X-Source courier")
    page.fill("input[name=authToken]", "tok-typed")
    page.click("button:text-is('Save')")
    expect(page.locator(".problem")).to_contain_text("is not a Name: value line")
    expect(page.locator(".problem")).to_contain_text("type it again")
    expect(page.locator("textarea[name=headers]")).to_have_value("X-Source courier")
    expect(page.locator("input[name=batchMaxSize]")).to_have_value("lots")
    expect(page.locator("input[name=authToken]")).to_have_value("")
    assert "tok-typed" not in page.content(), "a typed token is shown back"
    shot(page, "endpoint-edit-refused")
    page.fill("textarea[name=headers]", "X-Source: courier")
    page.click("button:text-is('Save')")
    expect(page.locator(".problem")).to_contain_text("batch.maxSize must be a number")
    page.fill("input[name=batchMaxSize]", "25")
    page.check("input[name=ordered]")
    page.click("button:text-is('Save')")
    expect(page.locator(".problem")).to_contain_text("ordered and batch cannot be combined")
    expect(page.locator("input[name=ordered]")).to_be_checked()
    assert without_times(endpoint_named(page, "billing")) == without_times(billing), "a refused save changed it"

    # The kept token goes with a test event (the caller checks the request).
    page.goto(base + "/endpoints")
    page.locator("table.records tbody tr", has_text="billing").locator("button:text-is('Send test')").click()
    expect(page.locator(".notice")).to_contain_text("test event is on its way")
    reload_until(
        page, lambda: all(d["state"] == "succeeded" for d in api(page, "GET", "/v1/deliveries?endpoint=" + billing["id"])["data"]),
        "billing's test event",
    )

    # Basic auth instead; then None removes it.
    page.goto(base + "/endpoints/%s/edit" % billing["id"])
    page.select_option("select[name=auth]", "basic")
    page.fill("input[name=authUsername]", "ops")
    page.fill("input[name=authPassword]", "pw-81d2")
    page.click("button:text-is('Save')")
    expect(page.locator(".notice")).to_contain_text("Saved billing")
    assert endpoint_named(page, "billing")["auth"] == {"type": "basic", "username": "ops"}
    page.goto(base + "/endpoints/%s/edit" % billing["id"])
    expect(page.locator("input[name=authUsername]")).to_have_value("ops")
    assert "pw-81d2" not in page.content(), "the password is shown"
    page.select_option("select[name=auth]", "none")
    page.click("button:text-is('Save')")
    expect(page.locator(".notice")).to_contain_text("Saved billing")
    assert endpoint_named(page, "billing")["auth"] is None

    # The sessions: the failed one stands out, and the filter keeps only it.
    page.click("nav >> text=Sessions")
    expect(rows).to_have_count(2)
    expect(page.locator("table.records tr.failed")).to_have_count(1)
    expect(page.locator("tr.failed td a")).to_have_text("applicant:42")
    expect(page.locator("tr.failed .chip.failed")).to_have_text("1 failed")
    shot(page, "sessions")
    page.check("input[name=failed]")
    page.click("button:text-is('Filter')")
    expect(page).to_have_url(re.compile(r"failed=true"))
    expect(rows).to_have_count(1)
    expect(page.locator("input[name=failed]")).to_be_checked()
    shot(page, "sessions-failed")

    # A session: what waits on what, and the failed instance replayed.
    page.click("text=applicant:42")
    expect(page.locator("h1")).to_have_text("Session")
    expect(page.locator("form.filters input[name=uid]")).to_have_value("applicant:42")
    expect(page.locator(".chip.fired")).to_contain_text("start")
    expect(page.locator(".attempt .state")).to_have_text("failed")
    page.click("button:text-is('Replay')")
    expect(page.locator(".notice")).to_contain_text("Replayed create#1")
    reload_until(page, lambda: page.locator(".attempt .state").first.inner_text() == "finished", "the replay to finish")
    expect(page.locator(".attempt h3").first).to_contain_text("create#2")
    shot(page, "session")
    page.goto(base + "/sessions?failed=true")
    expect(page.locator("table.records .empty")).to_have_text("No session matches.")
    # The lookup box, for a uid someone gave you.
    page.fill("form.filters input[name=uid]", "applicant:7")
    page.click("button:text-is('Show')")
    expect(page.locator(".empty").last).to_have_text("No instance yet.")

    # What waits on what, drawn: the applicant example with one trigger in.
    api(page, "PUT", "/v1/sessions/applicant:9/tasks", {
        "tasks": {
            "create": {"after": ["startSession", "observationsReceived"], "run": "tasks"},
            "score": {"after": ["create", "sessionFinalized"], "run": "tasks", "unless": ["withdrawn"]},
        },
        "finalizeTrigger": "sessionFinalized",
    })
    api(page, "POST", "/v1/sessions/applicant:9/triggers", {"name": "startSession"})
    page.goto(base + "/sessions?uid=applicant:9")
    expect(page.locator(".graph g.node")).to_have_count(6)
    expect(page.locator(".graph g.node.task")).to_have_count(2)
    expect(page.locator(".graph g.node.trigger.fired")).to_have_count(1)
    expect(page.locator(".graph g.node.task.unstarted")).to_have_count(1)
    expect(page.locator(".graph path.edge")).to_have_count(5)
    expect(page.locator(".graph path.edge.unless")).to_have_count(1)
    shot(page, "session-graph")

    # Messages: per-recipient counts, then the message's transmissions.
    page.click("nav >> text=Messages")
    expect(page.locator("table.records tbody tr")).to_have_count(1)
    expect(page.locator("table.records tbody tr td").nth(3)).to_have_text("2 errored")
    page.click("table.records tbody tr td a >> nth=1")
    expect(page.locator("table.records tbody tr")).to_have_count(2)
    expect(page.locator(".facts")).to_contain_text("2 errored")
    shot(page, "message")

    # The lab's tenant: its endpoint takes XML. The body as sent, and the XML answer, indented.
    page.fill("input[name=tenant]", "lab")
    page.click("button:text-is('Switch')")
    expect(page).to_have_url(re.compile(r"/deliveries$"))
    expect(rows).to_have_count(1)
    rows.first.locator("td a").first.click()
    expect(page.locator("h2", has_text="As sent (xml)")).to_be_visible()
    sent = page.locator("pre.as-sent").inner_text()
    assert sent.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<event id="evt_'), sent
    assert "\n  <data>\n    <patient>P-7</patient>\n    <codes>\n      <item>A1</item>\n" in sent, sent
    answer = page.locator(".attempt details[open] pre").inner_text()
    assert answer == '<?xml version="1.0"?>\n<ack>\n  <status>received</status>\n  <ref system="lis">L-1</ref>\n</ack>', answer
    shot(page, "delivery-xml")
    page.fill("input[name=tenant]", "default")
    page.click("button:text-is('Switch')")

    # A form from elsewhere (no CSRF token) changes nothing.
    answer = page.request.post(base + "/endpoints/x/pause", form={"csrf": "forged"}, max_redirects=0)
    assert answer.status == 403, "a forged form answered %d" % answer.status

    # The same page on a phone.
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    phone.goto(base + "/deliveries")
    expect(phone.locator("h1")).to_have_text("Deliveries")
    shot(phone, "deliveries-phone")
    # The endpoint form, every group open, fits the phone's width.
    phone.goto(base + "/endpoints/%s/edit" % billing["id"])
    while phone.locator("details:not([open])").count() > 0:
        phone.locator("details:not([open]) summary").first.click()
    expect(phone.locator("details[open]")).to_have_count(6)
    shot(phone, "endpoint-form-phone")
    wide = phone.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth)"
        ".map(e => e.tagName.toLowerCase() + (e.name ? '[name=' + e.name + ']' : ''))"
    )
    assert not wide, "wider than a 390px phone: %s" % ", ".join(wide)
    # A bulk action's page and a drawn session fit too (tables scroll within their own box).
    operation = api(phone, "GET", "/v1/operations")["data"][0]["id"]
    for path in ["/operations/" + operation, "/sessions?uid=applicant:9", "/sessions"]:
        phone.goto(base + path)
        wide = phone.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => !e.closest('.scroll') && !e.closest('svg')"
            " && e.getBoundingClientRect().right > innerWidth).map(e => e.tagName.toLowerCase())"
        )
        assert not wide, "%s is wider than a 390px phone: %s" % (path, ", ".join(wide))
    shot(phone, "sessions-phone")

    # Sign out: the pages are closed again.
    page.click("button:text-is('Sign out')")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(base + "/deliveries")
    expect(page).to_have_url(re.compile(r"/login$"))
    browser.close()

print("dashboard: every check passed; screenshots in " + artifacts)
