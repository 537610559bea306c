"""List pages at depth: `python -m bench.listpage` (after `python -m bench.dataset`).

The incoming list of the big agency at page 1 and at page 10,000 (50 rows a page, keyset pagination),
measured twice in the same run: through the selectors (`agency_documents` + `keyset_page`) and through the
real page (`/incoming/` with Django's test client, logged in as the agency's clerk). Goal: page 10,000
within 1.2x of page 1. When the dataset has fewer pages, the deepest full page is used and reported.
"""

import argparse
import time

from bench import common

PAGE_SIZE = 50


def _timed(fn, repeat: int) -> list[float]:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def run(repeat: int, depth: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.dataset import AGENCY_CLERK
    from congvu.documents import selectors
    from congvu.documents.models import Direction

    user = get_user_model().objects.get(username=AGENCY_CLERK)
    agency_id = user.official.memberships.get().agency_id
    qs = selectors.agency_documents(user=user, agency_id=agency_id, direction=Direction.INCOMING)
    total = qs.count()
    page = min(depth, total // PAGE_SIZE)
    # The keyset cursor of page N is the id of the last row of page N-1 (found once, by offset).
    cursor = qs.order_by("-pk").values_list("pk", flat=True)[(page - 1) * PAGE_SIZE - 1] if page > 1 else None

    def selector_page(after):
        def go():
            fresh = get_user_model().objects.get(pk=user.pk)
            q = selectors.agency_documents(user=fresh, agency_id=agency_id, direction=Direction.INCOMING)
            rows = selectors.keyset_page(q.select_related("doc_type"), after=after, limit=PAGE_SIZE).items
            assert len(rows) == PAGE_SIZE
        return go

    client = Client(HTTP_HOST="localhost")  # an allowed host (tests use "testserver")
    client.force_login(user)

    def view_page(after):
        url = "/incoming/" + (f"?after={after}" if after else "")

        def go():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
        return go

    return {
        "total": total, "page": page,
        "selector": (_timed(selector_page(None), repeat), _timed(selector_page(cursor), repeat)),
        "view": (_timed(view_page(None), repeat), _timed(view_page(cursor), repeat)),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--page", type=int, default=10_000)
    args = parser.parse_args(argv)
    common.setup()
    size = common.dataset_size()
    r = run(args.repeat, args.page)
    print(f"dataset: {size}; incoming list of the big agency: {r['total']:,} rows, page 1 vs page {r['page']:,}")
    lines = [f"Dataset: {size}; the big agency's incoming list has {r['total']:,} rows; page 1 vs page "
             f"{r['page']:,} (50 rows a page), median of {args.repeat} renders each; command: "
             "`python -m bench.listpage`.", "",
             f"| through | page 1 | page {r['page']:,} | ratio | goal (≤ 1.2x) |", "|---|---|---|---|---|"]
    for label, key in (("selectors (agency_documents + keyset_page)", "selector"),
                       ("the page /incoming/ (test client, full render)", "view")):
        first, deep = (common.median(x) for x in r[key])
        ratio = deep / first
        ok = "met" if ratio <= 1.2 else "not met"
        print(f"{label:>48}: page 1 {common.ms(first)}  page {r['page']:,} {common.ms(deep)}  ratio {ratio:.2f}x "
              f"→ {ok}")
        lines.append(f"| {label} | {common.ms(first)} | {common.ms(deep)} | {ratio:.2f}x | {ok} |")
    common.write_section("listpage", "List page at depth", "\n".join(lines))


if __name__ == "__main__":
    main()
