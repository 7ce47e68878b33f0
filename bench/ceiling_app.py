"""The ceiling: a bare Flask app whose USSD handler does one Redis GET and one SET.

Served by the same server with the same settings as the real app, it tells what this
machine, server and Redis can do at best for a hop; the real hop is measured against it.
"""
import os

import redis
from flask import Flask, Response, request

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5)


@app.post("/ussd")
def ussd():
    key = "bench:ceiling:" + request.form["sessionId"]
    store.get(key)
    store.set(key, request.form.get("text", ""), ex=180)
    return Response("CON ok", mimetype="text/plain")


@app.get("/healthz")
def healthz():
    store.ping()
    return {"status": "ok"}
