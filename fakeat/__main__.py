"""python -m fakeat --port 8999 --callback-url http://127.0.0.1:5000 [faults...]"""
import argparse
import json
import logging
import os
import sys

from werkzeug.serving import make_server

from fakeat.server import FakeGateway, create_app


def number_status(value):
    number, _, code = value.partition("=")
    if not code.isdigit():
        raise argparse.ArgumentTypeError("use NUMBER=CODE, e.g. +254700000001=403")
    return number, int(code)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fakeat", description="A local fake Africa's Talking SMS API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("FAKEAT_PORT", 8999)),
                        help="0 picks a free port (printed on the first line)")
    parser.add_argument("--callback-url", default=os.environ.get("FAKEAT_CALLBACK_URL"),
                        help="the service's base URL: delivery reports go to <url>/sms/delivery")
    parser.add_argument("--callback-token", default=os.environ.get("CALLBACK_TOKEN"))
    parser.add_argument("--dlr-delay", type=float, default=1.0, help="seconds before a delivery report")
    parser.add_argument("--dlr-status", default="Success")
    parser.add_argument("--no-dlr", action="store_true", help="send no delivery reports")
    parser.add_argument("--fail-500", type=int, default=0, help="the next N requests get HTTP 500")
    parser.add_argument("--timeouts", type=int, default=0, help="the next N requests answer late")
    parser.add_argument("--timeout-seconds", type=float, default=20.0)
    parser.add_argument("--number-status", type=number_status, action="append", default=[],
                        help="NUMBER=CODE, e.g. +254700000001=406 (repeatable)")
    parser.add_argument("--balance-after", type=int, default=None, help="405 for all once N messages were sent")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--balance", type=float, default=100000.0,
                        help="account balance in KES reported by GET /version1/user (each accepted part costs 0.80)")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="fakeat %(levelname)s %(message)s")
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    gateway = FakeGateway(args.callback_url, args.callback_token, faults={
        "dlr": not args.no_dlr, "dlr_delay": args.dlr_delay, "dlr_status": args.dlr_status,
        "http_500": args.fail_500, "timeouts": args.timeouts, "timeout_seconds": args.timeout_seconds,
        "number_status": dict(args.number_status), "balance_after": args.balance_after,
        "latency_ms": args.latency_ms, "balance": args.balance,
    })
    server = make_server(args.host, args.port, create_app(gateway), threaded=True)
    port = server.socket.getsockname()[1]
    print(json.dumps({"fakeat": f"http://{args.host}:{port}", "api": f"http://{args.host}:{port}/version1",
                      "callback_url": gateway.callback_url}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
