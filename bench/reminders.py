"""The reminder job over 200,000 open assignments: `python -m bench.reminders` (after `python -m bench.dataset`;
adds the processing rows of `bench.mywork` when missing).

Runs, each from a clean reminder log:
- *today*: the job as the 15-minute period runs it now (a third of the rows overdue, some near their deadline);
- *again*: the same moment once more — idempotent, must send nothing;
- *all overdue*: `now` 90 days ahead, so every one of the 200,000 rows owes a reminder (the worst case);
- *baseline*: a plain keyset walk over the same open rows (ids and deadlines, no work), in the same run.
Reports time, rows, reminders, notifications and the peak of Python allocations (tracemalloc) and of the
process (VmHWM growth). Goal: under 30 s and constant memory. Prints the figures.
"""

import argparse
import datetime as dt
import time
import tracemalloc

from bench import common


def _vm_hwm() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _clean() -> None:
    from congvu.notifications.models import Notification
    from congvu.workflow.models import ReminderLog

    ReminderLog.objects.all().delete()
    Notification.objects.filter(kind__startswith="workflow.reminder").delete()


def _measure(fn):
    tracemalloc.start()
    hwm_before = _vm_hwm()
    t = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak, max(0, _vm_hwm() - hwm_before)


def _baseline(agency_id: int):
    from django.db.models import Q

    from congvu.workflow.models import Assignment

    def go():
        n, last = 0, None
        base = Assignment.objects.filter(agency_id=agency_id, active=1, due_at__isnull=False)
        while True:
            qs = base if last is None else base.filter(Q(due_at__gt=last[0]) | Q(due_at=last[0], pk__gt=last[1]))
            rows = list(qs.order_by("due_at", "pk").values_list("pk", "due_at")[:2000])
            if not rows:
                return n
            n += len(rows)
            last = rows[-1][1], rows[-1][0]
    return go


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args(argv)
    common.setup()
    from django.utils import timezone

    from bench.mywork import ensure_workflow_data
    from congvu.workflow.models import Assignment
    from congvu.workflow.tasks import reminders_send

    made = ensure_workflow_data()
    agency_id = made["agency_id"]
    open_rows = Assignment.objects.filter(active=1, due_at__isnull=False).count()
    now = timezone.now()
    rows = []
    _clean()
    for label, moment in (("today (first run)", now), ("again, same moment (idempotent)", now)):
        stats, seconds, peak, hwm = _measure(lambda m=moment: reminders_send(now=m))
        rows.append((label, stats, seconds, peak, hwm))
    _clean()
    later = now + dt.timedelta(days=90)
    stats, seconds, peak, hwm = _measure(lambda: reminders_send(now=later))
    rows.append(("all 200,000 overdue (worst case)", stats, seconds, peak, hwm))
    again, s2, p2, h2 = _measure(lambda: reminders_send(now=later))
    rows.append(("worst case again (idempotent)", again, s2, p2, h2))
    n, base_s, base_peak, base_hwm = _measure(_baseline(agency_id))
    _clean()

    print(f"engine: {common.engine_name()}; machine: {common.machine()}")
    print(f"dataset: {common.dataset_size()}; {open_rows:,} open assignments with a deadline")
    print("\n| run | rows scanned | reminders logged | notifications | time | vs baseline | peak Python alloc "
          "| RSS growth | goal < 30 s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, st, sec, peak, hwm in rows:
        ok = "met" if sec < 30 else "not met"
        print(f"| {label} | {st.scanned:,} | {st.logged:,} | {st.notifications:,} | {sec:.1f} s | "
              f"{sec / base_s:.1f}x | {peak / 2**20:.1f} MB | {hwm / 2**20:.1f} MB | {ok} |")
    print(f"| baseline: keyset walk, no work | {n:,} | — | — | {base_s:.1f} s | 1.0x | {base_peak / 2**20:.1f} MB "
          f"| {base_hwm / 2**20:.1f} MB | |")


if __name__ == "__main__":
    main()
