"""A private copy of the production stack, started as separate processes and always stopped.

    with Stack(log=print) as stack:
        gateway = stack.start_fakeat()             # python -m fakeat on a free port
        workers = stack.start_workers(2)           # the Procfile's `rq worker` line
        web = stack.start_web("granian-wsgi", 2)   # the Procfile's web server (bench.servers)
        ...

One real Redis (a private embedded redis-server, or `redis_url=`) and one real database:
a private schema in PostgreSQL when it answers (BENCH_DATABASE_URL, else TEST_DATABASE_URL,
else postgresql://postgres@127.0.0.1:5432/test; the schema is dropped at the end), otherwise
a fresh SQLite file. Every server binds 127.0.0.1 on a free port. Used by bench/inbound.py
and the scale test (tests/test_scale_processes.py).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.servers import BIN, ROOT, Server
from core import pgschema

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_base(url=None):
    """The PostgreSQL URL (psycopg 3 driver) when the server answers within 2 s, else None."""
    return pgschema.reachable(url, "BENCH_DATABASE_URL", "TEST_DATABASE_URL")


class Stack:
    def __init__(self, *, database="auto", redis_url=None, env=None, log=None, keep_logs_on_error=True):
        """database: "auto" (PostgreSQL when it answers, else SQLite), "postgresql", "sqlite"."""
        self.workdir = Path(tempfile.mkdtemp(prefix="madini-stack-"))
        self.log = log or (lambda line: None)
        self.processes = []  # (name, Popen), stopped in reverse order
        self.servers = []
        self._drop_schema = None
        self._own_redis = redis_url is None
        self._database_choice = database
        self._extra_env = env or {}
        self.redis_url = redis_url
        self.database_url = None
        self.failed = False
        self.keep_logs_on_error = keep_logs_on_error

    # --- set-up ---------------------------------------------------------------------------
    def __enter__(self):
        try:
            self._start_redis()
            self._create_database()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is not None:
            self.failed = True
        self.close()

    @property
    def is_postgres(self):
        return self.database_url.startswith("postgresql")

    def _start_redis(self):
        if self.redis_url:
            return
        from core import redis as redis_setup

        self.redis_url = redis_setup.ensure_embedded(self.workdir / "redis", stop_on_exit=False)

    def _create_database(self):
        base = None if self._database_choice == "sqlite" else postgres_base()
        if base is None and self._database_choice == "postgresql":
            raise RuntimeError("PostgreSQL does not answer (set BENCH_DATABASE_URL or TEST_DATABASE_URL)")
        if base:
            self.database_url, self._drop_schema = pgschema.create_private_schema(base, "stack")
        else:
            self.database_url = f"sqlite:///{self.workdir / 'stack.db'}"
        subprocess.run([os.path.join(BIN, "flask"), "--app", "app", "db", "upgrade"], cwd=ROOT, env=self.env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=180)

    @property
    def env(self):
        """The environment every process of the stack runs with (production settings, except
        where a benchmark or test says otherwise through `env=`)."""
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("GUNICORN_", "GRANIAN_", "FLASK_", "WEB_CONCURRENCY"))}
        base.update({
            "DATABASE_URL": self.database_url or "", "REDIS_URL": self.redis_url or "",
            "INSTANCE_PATH": str(self.workdir / "instance"), "MADINI_ENV": "bench", "CALLBACK_TOKEN": "",
            "SECRET_KEY": "stack-" + uuid.uuid4().hex, "AT_USERNAME": "bench", "AT_API_KEY": "bench-key",
            "AT_API_URL": getattr(self, "_at_api_url", "http://127.0.0.1:9/version1"),
            "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1",
        })
        base.update(self._extra_env)
        return base

    def app(self, **overrides):
        """An app object in this process bound to the stack (for seeding and reading)."""
        from app import create_app

        return create_app({"SQLALCHEMY_DATABASE_URI": self.database_url, "REDIS_URL": self.redis_url,
                           "INSTANCE_PATH": str(self.workdir / "instance"),
                           "AT_API_URL": self.env["AT_API_URL"], **overrides})

    # --- processes ------------------------------------------------------------------------
    def _spawn(self, name, argv, env=None, stdout=None):
        log_file = open(self.workdir / f"{name}.log", "ab")
        process = subprocess.Popen(argv, cwd=ROOT, env=env or self.env, stdout=stdout or log_file,
                                   stderr=log_file, start_new_session=True)
        self.processes.append((name, process))
        return process

    def start_fakeat(self, *args):
        """The fake AT gateway (python -m fakeat) on a free port; every process sends to it."""
        process = self._spawn("fakeat", [sys.executable, "-m", "fakeat", "--port", "0", "--quiet", *args],
                              stdout=subprocess.PIPE)
        info = json.loads(process.stdout.readline())
        self._at_api_url = info["api"]
        self.fakeat_url = info["fakeat"]
        return info

    def fakeat(self, path, payload=None):
        import requests

        if payload is None:
            return requests.get(self.fakeat_url + path, timeout=10).json()
        return requests.post(self.fakeat_url + path, json=payload, timeout=10).json()

    def start_workers(self, count, queues=("alerts", "replies", "bulk", "default"), with_scheduler=True):
        """`count` RQ worker processes exactly as the Procfile's worker line runs them."""
        from redis import Redis
        from rq import Worker

        started = []
        for i in range(count):
            argv = [os.path.join(BIN, "rq"), "worker", "--url", self.redis_url, "--worker-class",
                    "worker.AppSimpleWorker", "--name", f"stack-{uuid.uuid4().hex[:8]}-{i}", *queues]
            if with_scheduler:
                argv.insert(2, "--with-scheduler")
            started.append(self._spawn(f"worker{len(self.processes)}", argv))
        connection = Redis.from_url(self.redis_url)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            names = {w.name for w in Worker.all(connection=connection)}
            if sum(1 for p in started if p.poll() is None) == count and len(names) >= count:
                break
            if any(p.poll() is not None for p in started):
                raise RuntimeError(f"a worker exited; see {self.workdir}")
            time.sleep(0.1)
        else:
            raise RuntimeError(f"workers did not register in 90 s; see {self.workdir}")
        return started

    def start_web(self, kind="granian-wsgi", workers=1):
        """The Procfile's web server (or another from bench.servers) serving the app."""
        server = Server(kind, "app", workers, self.env, str(self.workdir / f"web{len(self.servers)}.log"))
        server.__enter__()
        self.servers.append(server)
        return server

    def logs(self, tail=3000):
        return {path.name: path.read_text(errors="replace")[-tail:] for path in sorted(self.workdir.glob("*.log"))}

    # --- tear-down ------------------------------------------------------------------------
    def close(self):
        for server in reversed(self.servers):
            server.stop()
        for name, process in reversed(self.processes):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=5)
                except ProcessLookupError:
                    pass
        if self._own_redis and self.redis_url:
            from core import redis as redis_setup

            redis_setup.stop_embedded(self.workdir / "redis")
        if self._drop_schema is not None:
            self._drop_schema()
        if self.failed and self.keep_logs_on_error:
            self.log(f"logs kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)
