"""The Celery side of scripts/bench-peers: webhooks sent the way many older systems send them.

One Celery task per event (as django-rest-hooks and CommCare HQ do): the task builds the JSON
body, signs it per Standard Webhooks, POSTs it with a module-level requests.Session, counts any
2xx as done, and retries connection errors, timeouts, 5xx and 429 with exponential backoff.
Redis is both broker and (unused) result backend. Not part of scripts/test.

The broker comes from COURIER_BENCH_BROKER (redis://127.0.0.1:PORT/0). scripts/bench-peers
starts the worker (`celery -A tasks worker`) with this folder as its working directory and
calls `publish` below (in the venv's python) to enqueue a workload.

Settings are the usual production ones for a webhook task, nothing tuned down or up:
- task_acks_late=True (with task_reject_on_worker_lost): a webhook must not be lost when a
  worker dies mid-task; this is what makes Celery "durable" at all, and what such systems set.
- worker_prefetch_multiplier=4, Celery's default. The docs advise 1 only for long tasks; with
  acks_late and prefork a prefetch of 1 would leave each process idle for a broker round trip
  between tasks, which would slow Celery artificially. 4 per pool slot keeps the pool fed
  (8 messages reserved with prefork on 2 cores, 256 with 64 threads).
- task_ignore_result=True: nobody reads a webhook task's return value; storing results in
  Redis would add a write per task.
- the worker runs at --loglevel warning, so nothing is logged per task.
- the Session's connection pool holds 64 connections (requests' default is 10 per host), so
  the 64-thread pool reuses keep-alive connections instead of opening and discarding extra
  ones; with prefork each child process has its own Session and one connection.
"""
import base64
import hashlib
import hmac
import json
import os
import random
import sys
import time
from datetime import datetime, timezone

import requests
from celery import Celery

BROKER = os.environ.get("COURIER_BENCH_BROKER", "redis://127.0.0.1:6390/0")

app = Celery("tasks", broker=BROKER, backend=BROKER)
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=int(os.environ.get("COURIER_BENCH_PREFETCH", "4")),
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=True,
)

# A fixed Standard Webhooks secret ("whsec_" + base64 of the key), as an endpoint would have.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
KEY = base64.b64decode(SECRET[len("whsec_"):])

session = requests.Session()
session.mount("http://", requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=64))
session.mount("https://", requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=64))

MAX_RETRIES = 8


def sign(event_id, timestamp, body):
    """The Standard Webhooks signature header value for this body."""
    signed = b"%s.%d.%s" % (event_id.encode(), timestamp, body)
    digest = hmac.new(KEY, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class RetryableStatus(Exception):
    pass


@app.task(bind=True, name="tasks.send_webhook", max_retries=MAX_RETRIES)
def send_webhook(self, url, event_id, payload):
    now = datetime.now(timezone.utc)
    body = json.dumps({
        "id": event_id,
        "type": "bench.event",
        "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "data": payload,
    }, separators=(",", ":")).encode()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(event_id, timestamp, body),
    }
    # 1, 2, 4, ... seconds with jitter, capped at 10 minutes.
    countdown = min(2 ** self.request.retries, 600) * random.uniform(0.8, 1.2)
    try:
        response = session.post(url, data=body, headers=headers, timeout=15)
    except (requests.ConnectionError, requests.Timeout) as error:
        raise self.retry(exc=error, countdown=countdown)
    if 200 <= response.status_code < 300:
        return response.status_code
    if response.status_code >= 500 or response.status_code == 429:
        raise self.retry(exc=RetryableStatus("HTTP %d" % response.status_code), countdown=countdown)
    # Any other 4xx: the endpoint refused it; retrying would not help.
    return response.status_code


def publish(url, prefix, count):
    """Enqueue `count` send_webhook tasks as fast as one Python producer can.

    Prints `started MONOTONIC` just before the first enqueue (CLOCK_MONOTONIC is shared by all
    processes of the machine, so the caller can time delivery from it), then
    `published COUNT SECONDS` when the last is in Redis.
    """
    with app.producer_or_acquire() as producer:
        producer.connection.ensure_connection(max_retries=3)
        started = time.monotonic()
        print("started %.6f" % started, flush=True)
        for i in range(count):
            send_webhook.apply_async(
                (url, "%s-%d" % (prefix, i), {"i": i, "name": "event %d" % i}), producer=producer
            )
        elapsed = time.monotonic() - started
    print("published %d %.6f" % (count, elapsed), flush=True)


if __name__ == "__main__":
    # python tasks.py URL PREFIX COUNT
    publish(sys.argv[1], sys.argv[2], int(sys.argv[3]))
