"""Peak memory of the web process: `python -m bench.memory` (after `python -m bench.dataset`).

Starts waitress serving congvu.wsgi.application as a subprocess on a free loopback port (8 threads, as
`congvu demo` does), logs in as the big agency's clerk from 4 client threads and sends 1,000 requests
over a mix of pages (login, home, incoming and outgoing lists at several depths, search, detail pages).
Reports the process's peak resident set (VmHWM) against its size after the first request, in the same
run. Goal: under 300 MB.
"""

import argparse
import http.cookiejar
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

from bench import common


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(pid: int) -> dict[str, int]:
    with open(f"/proc/{pid}/status") as fh:
        text = fh.read()
    return {k: int(v) * 1024 for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M)}


class Session:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, bytes]:
        with self.opener.open(self.base + path, timeout=60) as r:
            return r.status, r.read()

    def login(self, username: str, password: str) -> None:
        _, page = self.get("/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username,
                                       "password": password}).encode()
        req = urllib.request.Request(self.base + "/login/", data=data, headers={"Referer": self.base + "/login/"})
        with self.opener.open(req, timeout=60) as r:
            if r.url.rstrip("/").endswith("/login"):
                raise RuntimeError("login failed")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args(argv)
    common.setup()
    from django.contrib.auth import get_user_model

    from bench.dataset import AGENCY_CLERK, PASSWORD
    from congvu.documents import selectors

    size = common.dataset_size()
    user = get_user_model().objects.get(username=AGENCY_CLERK)
    agency_id = user.official.memberships.get().agency_id
    incoming = selectors.agency_documents(user=user, agency_id=agency_id, direction="in").order_by("-pk")
    total = incoming.count()
    depths = [incoming.values_list("pk", flat=True)[min(total - 1, n * 50 - 1)] for n in (2, 10, 100, 1000, 10000)
              if n * 50 <= total]
    detail_ids = list(incoming.values_list("pk", flat=True)[:200:4]) + list(
        incoming.values_list("pk", flat=True)[total // 2: total // 2 + 200:4])
    from django.db import connection

    connection.close()

    port = _free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="congvu.settings")
    server = subprocess.Popen(
        [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}", "--threads=8",
         "congvu.wsgi:application"],
        env=env, cwd=common.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        after_first = _status(server.pid)["VmRSS"]
        paths = (["/", "/incoming/", "/outgoing/", "/search/?q=chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91",
                  "/search/?q=nong+thon+moi", "/login/"]
                 + [f"/incoming/?after={c}" for c in depths] + [f"/documents/{i}/" for i in detail_ids])
        rng = random.Random(7)
        plan = [rng.choice(paths) for _ in range(args.requests)]
        errors: list[str] = []
        done = [0]
        lock = threading.Lock()

        def client(part: list[str]) -> None:
            session = Session(base)
            session.login(AGENCY_CLERK, PASSWORD)
            for path in part:
                try:
                    session.get(path)
                except Exception as exc:  # reported below
                    errors.append(f"{path}: {exc}")
                with lock:
                    done[0] += 1

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(plan[i::args.clients],)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        status = _status(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    peak, rss = status["VmHWM"], status["VmRSS"]
    mb = 1024 * 1024
    ok = "met" if peak < 300 * mb and not errors else "not met"
    print(f"dataset: {size}; {done[0]} requests ({args.clients} clients) in {seconds:.1f} s, errors: {len(errors)}")
    for e in errors[:5]:
        print("  ", e)
    print(f"RSS after the first request {after_first / mb:.0f} MB; after {done[0]} requests {rss / mb:.0f} MB; "
          f"peak {peak / mb:.0f} MB ({peak / after_first:.2f}x) → {ok}")
    common.write_section(
        "memory", "Memory of the web process",
        f"Dataset: {size}. `python -m bench.memory`: waitress (8 threads) serving congvu.wsgi.application, "
        f"{done[0]} requests from {args.clients} logged-in clients over login, home, incoming/outgoing lists "
        f"(page 1 and {len(depths)} deeper keyset pages), search and {len(detail_ids)} detail pages, "
        f"in {seconds:.1f} s; {len(errors)} errors.\n\n"
        "| | resident memory |\n|---|---|\n"
        f"| after the first request (baseline) | {after_first / mb:.0f} MB |\n"
        f"| after {done[0]} requests | {rss / mb:.0f} MB |\n"
        f"| peak (VmHWM) | **{peak / mb:.0f} MB** ({peak / after_first:.2f}x) |\n\n"
        f"Goal under 300 MB: **{ok}**.",
    )


if __name__ == "__main__":
    main()
