"""The web servers compared, started on 127.0.0.1 on a free port and always stopped.

Each entry builds the command line for a WSGI target. The flags are the production ones
(the Procfile's), so what is measured is what runs; only the bind address differs.
"""
import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field

from bench import procstat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".venv", "bin")

# WSGI targets: (gunicorn form, granian form). granian takes a factory with --factory.
TARGETS = {
    "app": ("app:create_app()", ("app:create_app", True)),
    "ceiling": ("bench.ceiling_app:app", ("bench.ceiling_app:app", False)),
}

GTHREAD_THREADS = 4
# granian's WSGI default is (backlog / workers) / 2 = 256 Python threads per worker: far more
# than the GIL can use, and more than a Redis connection pool should hold. The Procfile's value
# (4 beat 8 in interleaved runs; BENCH_GRANIAN_THREADS to try others).
GRANIAN_BLOCKING_THREADS = int(os.environ.get("BENCH_GRANIAN_THREADS", 4))


def gunicorn_sync(target, port, workers):
    return [os.path.join(BIN, "gunicorn"), TARGETS[target][0], "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--worker-class", "sync", "--access-logfile", os.devnull,
            "--forwarded-allow-ips", "*"]


def gunicorn_gthread(target, port, workers):
    return [os.path.join(BIN, "gunicorn"), TARGETS[target][0], "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--worker-class", "gthread", "--threads", str(GTHREAD_THREADS),
            "--access-logfile", os.devnull, "--forwarded-allow-ips", "*"]


def granian_wsgi(target, port, workers):
    name, factory = TARGETS[target][1]
    return [os.path.join(BIN, "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--blocking-threads", str(GRANIAN_BLOCKING_THREADS), "--backlog", "2048",
            "--respawn-failed-workers", "--access-log",
            "--log-level", "warning", *(["--factory"] if factory else []), name]


SERVERS = {
    "gunicorn-sync": gunicorn_sync,
    "gunicorn-gthread": gunicorn_gthread,
    "granian-wsgi": granian_wsgi,
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    kind: str
    target: str
    workers: int
    env: dict
    log_path: str
    port: int = 0
    process: subprocess.Popen | None = None
    pids: list = field(default_factory=list)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.port = free_port()
        argv = SERVERS[self.kind](self.target, self.port, self.workers)
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        try:
            self._wait_ready(timeout=60)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{self.kind} did not answer /healthz in {timeout}s; see {self.log_path}")
        # Workers boot lazily on some servers: wait until the tree stops growing.
        previous, stable_since = None, time.monotonic()
        while time.monotonic() - stable_since < 1.0 and time.monotonic() < deadline:
            tree = procstat.descendants(self.process.pid)
            if tree != previous:
                previous, stable_since = tree, time.monotonic()
            time.sleep(0.1)
        self.pids = procstat.descendants(self.process.pid)

    def cpu_seconds(self):
        return procstat.cpu_seconds(self.pids)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass
        finally:
            self._log.close()
