"""The app's Redis client parses replies with hiredis (the compiled parser), as pinned."""
from redis._parsers import _HiredisParser
from redis.utils import HIREDIS_AVAILABLE


def test_the_apps_redis_connections_use_the_hiredis_parser(app):
    assert HIREDIS_AVAILABLE
    redis = app.extensions["redis"]
    connection = redis.connection_pool.get_connection()
    try:
        connection.connect()
        assert isinstance(connection._parser, _HiredisParser)
    finally:
        redis.connection_pool.release(connection)
    assert redis.ping()
