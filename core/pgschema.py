"""PostgreSQL for tests and benchmarks: is a server there, and a private schema to work in.

The machine's PostgreSQL (db `test`) is shared by test runs, benchmarks and scale tests that
may run at the same time; each one works in a schema of its own, created and dropped here.
"""
import os
import uuid

from sqlalchemy import create_engine, text

LOCAL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def psycopg_url(url):
    """A SQLAlchemy URL with the psycopg 3 driver ('postgres://' and 'postgresql://' too)."""
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def reachable(url=None, *env_names):
    """The psycopg URL of `url` (else the first set of `env_names`, else the local server)
    when a server answers within 2 s; None otherwise (or for a non-PostgreSQL URL)."""
    url = url or next((os.environ[name] for name in env_names if os.environ.get(name)), LOCAL)
    if not url.startswith(("postgres://", "postgresql")):
        return None
    url = psycopg_url(url)
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return url
    except Exception:
        return None


def create_private_schema(base, prefix):
    """(url, drop): a new schema `<prefix>_<random>` in `base`, a URL that works in it, and a
    function that drops it with everything in it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop():
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()

    return base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}", drop
