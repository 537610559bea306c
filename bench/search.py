"""Search latency: `python -m bench.search` (after `python -m bench.dataset`).

Twenty realistic queries go through the project's search service (`search_documents`: visibility,
filters, keyset page of 50 documents) and, in the same run, straight to the engine
(`raw_engine_search`: FTS5 or tsvector, ids only). Goal: service p95 within 1.5x of raw and under 100 ms.
Measured for the clerk of the big agency (sees most documents) and of a small commune (sees few).
"""

import argparse
import time

from bench import common

QUERIES = (
    "chuyển đổi số",
    "chuyen doi so",  # typed without accents
    "xây dựng nông thôn mới",
    "phòng chống thiên tai",
    "cải cách hành chính",
    "bầu cử đại biểu",
    "tuyển sinh lớp 10",
    "quản lý đất đai",
    "Sở Nội vụ",
    "QĐ-UBND",
    '"giảm nghèo bền vững"',  # phrase
    "giải ngân vốn đầu tư công",
    "dịch tả lợn châu Phi",
    "ứng phó với bão số",
    "Quế Trung nông thôn mới",
    "thuỷ lợi",  # old tone placement
    "tuyển dụng công chức",
    "Đề án 06",
    "an toàn thực phẩm",
    "khoáng sản",
)


def run(rounds: int, limit: int = 50) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import reset_queries

    from bench.dataset import AGENCY_CLERK, SMALL_CLERK
    from congvu.documents.search import raw_engine_search, search_agencies, search_documents

    User = get_user_model()
    results = {}
    for label, username in (("big agency clerk", AGENCY_CLERK), ("small commune clerk", SMALL_CLERK)):
        user = User.objects.get(username=username)
        # The same query straight to the engine: the user's words, kept to the user's agencies.
        agencies = search_agencies(user)
        service, raw, hits = [], [], {}
        for q in QUERIES:  # warm-up: caches, prepared plans
            search_documents(user=user, query=q, limit=limit)
            raw_engine_search(q, limit, agencies)
        for _ in range(rounds):
            for q in QUERIES:
                t = time.perf_counter()
                ids = raw_engine_search(q, limit, agencies)
                raw.append(time.perf_counter() - t)
                # A fresh user object each time: no access cache carried over from the previous query.
                fresh = User.objects.get(pk=user.pk)
                t = time.perf_counter()
                page = search_documents(user=fresh, query=q, limit=limit)
                service.append(time.perf_counter() - t)
                hits[q] = (len(ids), len(page.items))
                reset_queries()
        results[label] = {"service": service, "raw": raw, "hits": hits}
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    common.setup()
    size = common.dataset_size()
    print(f"dataset: {size}; {len(QUERIES)} queries × {args.rounds} rounds")
    results = run(args.rounds)
    lines = [f"Dataset: {size}. {len(QUERIES)} queries × {args.rounds} rounds, 50 results a page; "
             "command: `python -m bench.search`.", "",
             "| user | raw engine p50 | raw p95 | service p50 | service p95 | p95 ratio | goal (≤ 1.5x, < 100 ms) |",
             "|---|---|---|---|---|---|---|"]
    for label, r in results.items():
        rp50, rp95 = common.percentile(r["raw"], 50), common.percentile(r["raw"], 95)
        sp50, sp95 = common.percentile(r["service"], 50), common.percentile(r["service"], 95)
        ratio = sp95 / rp95 if rp95 else float("inf")
        ok = "met" if ratio <= 1.5 and sp95 < 0.1 else "not met"
        print(f"{label:>20}: raw p50 {common.ms(rp50)} p95 {common.ms(rp95)} | service p50 {common.ms(sp50)} "
              f"p95 {common.ms(sp95)} | ratio p95 {ratio:.2f}x → {ok}")
        lines.append(f"| {label} | {common.ms(rp50)} | {common.ms(rp95)} | {common.ms(sp50)} | {common.ms(sp95)} "
                     f"| {ratio:.2f}x | {ok} |")
    big = results["big agency clerk"]["hits"]
    lines += ["", "Matches per query (engine ids in the first 50 / results visible to the big agency's clerk): "
              + ", ".join(f"“{q}” {a}/{b}" for q, (a, b) in big.items()) + "."]
    common.write_section("search", "Search: service vs raw engine", "\n".join(lines))


if __name__ == "__main__":
    main()
