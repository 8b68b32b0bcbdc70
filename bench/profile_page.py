"""Where a page's time goes: cProfile over repeated in-process requests of one key page.

Run:  .venv/bin/python bench/profile_page.py [bilan_page|consultant_dashboard|…] [--n 30] [--top 25]
Uses a throw-away SQLite file with the demo loaded (DATABASE_URL to use another, empty, database).
Prints the mean time per request, the queries per request and the top functions by own time and
by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/profile.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("BILAN_LOCAL_HTTP", "1")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", nargs="?", default="bilan_page")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pages import prepare  # migrates, loads the demo, gives the key pages

    pages = {name: (path, headers) for name, path, headers in prepare()}
    path, headers = pages[args.page]
    client = Client()
    extra = {}
    for header in headers:
        key, value = header.split(":", 1)
        if key == "Cookie":
            name, _, cookie = value.strip().partition("=")
            client.cookies[name] = cookie
        else:
            extra["HTTP_" + key.upper().replace("-", "_")] = value.strip()
    for _ in range(3):  # warm: imports, caches, the search index
        assert client.get(path, **extra).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(path, **extra)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(args.n):
        client.get(path, **extra)
    profiler.disable()
    elapsed = (time.perf_counter() - start) / args.n
    print(f"{args.page} {path}: {elapsed * 1000:.1f} ms a request, {len(queries)} queries")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
        lines = out.getvalue().splitlines()
        start_at = next(i for i, line in enumerate(lines) if "ncalls" in line)
        print(f"\n-- by {order} --")
        print("\n".join(line.replace(str(ROOT) + "/", "") for line in lines[start_at:]))


if __name__ == "__main__":
    main()
