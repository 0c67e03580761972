"""Command line of the reference platform: migrate, seed, serve."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime

from server.config import Settings, default_db_url


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty() or done == total or done % 50_000 == 0:
        end = "\n" if done == total else "\r"
        print(f"seeded {done:,} of {total:,} conversations", end=end, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    migrate = commands.add_parser("migrate", help="create or upgrade the schema")
    migrate.add_argument(
        "--db", default=None, help="SQLAlchemy URL (default: a SQLite file in the user data dir)"
    )

    seed = commands.add_parser("seed", help="generate demo tenants, users and conversations")
    seed.add_argument("--db", default=None)
    seed.add_argument("--conversations", type=int, default=5000)
    seed.add_argument("--seed", type=int, default=1)
    seed.add_argument(
        "--now", type=datetime.fromisoformat, default=None, help="pin 'now' (ISO 8601, with offset)"
    )
    seed.add_argument(
        "--audio-clips", type=int, default=12, help="size of the pool of synthesized recordings"
    )
    seed.add_argument("--processes", type=int, default=2)
    seed.add_argument("--replace", action="store_true", help="wipe existing platform data first")

    serve = commands.add_parser("serve", help="run the HTTP/WebSocket API")
    serve.add_argument("--db", default=None)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8700)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--public-url", default=None, help="issuer URL (default: http://HOST:PORT)")
    serve.add_argument(
        "--simulate-live", type=int, default=0, metavar="N", help="keep about N AI voice calls live"
    )
    serve.add_argument("--access-token-seconds", type=int, default=300)

    openapi = commands.add_parser("openapi", help="print the OpenAPI document (docs/api/openapi.json)")
    openapi.add_argument("--out", default=None, help="write to this file instead of stdout")

    args = parser.parse_args(argv)
    db_url = getattr(args, "db", None) or default_db_url()

    if args.command == "migrate":
        from server.db.engine import Database
        from server.db.migrate import upgrade

        db = Database(db_url)
        upgrade(db.engine)
        db.dispose()
        return 0

    if args.command == "openapi":
        from server.api.contract import openapi_json

        document = openapi_json()
        if args.out:
            with open(args.out, "w", encoding="utf-8") as out:
                out.write(document)
        else:
            sys.stdout.write(document)
        return 0

    if args.command == "seed":
        from server.seed.seeder import AlreadySeeded
        from server.seed.seeder import seed as run_seed

        logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
        logging.getLogger("server.seed").setLevel(logging.INFO)
        if args.now is not None and args.now.tzinfo is None:
            parser.error("--now needs a UTC offset, e.g. 2026-11-25T12:00:00+00:00")
        try:
            run_seed(
                db_url,
                args.conversations,
                args.seed,
                now=args.now,
                audio_clips=args.audio_clips,
                processes=args.processes,
                replace=args.replace,
                progress=_progress,
            )
        except AlreadySeeded as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0

    from server.serve import serve as run_serve

    host = f"[{args.host}]" if ":" in args.host else args.host
    settings = Settings(
        db_url=db_url,
        public_url=(args.public_url or f"http://{host}:{args.port}").rstrip("/"),
        access_token_seconds=args.access_token_seconds,
    )
    return run_serve(
        settings, host=args.host, port=args.port, workers=args.workers, simulate=args.simulate_live
    )


if __name__ == "__main__":
    raise SystemExit(main())
