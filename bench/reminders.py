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


def _measure(fn, *, trace: bool = False):
    """(result, seconds, peak Python allocation, growth of the process's peak RSS). Timed runs do not trace
    allocations (tracemalloc slows Python down several times); one extra run per case measures memory."""
    if trace:
        tracemalloc.start()
    hwm_before = _vm_hwm()
    t = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t
    peak = 0
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, seconds, peak, max(0, _vm_hwm() - hwm_before)


def _baseline(agency_id: int):
    from congvu.workflow.models import Assignment

    def go():
        n, last = 0, None
        base = Assignment.objects.filter(agency_id=agency_id, active=1, due_at__isnull=False)
        while True:
            qs = base if last is None else base.filter(due_at__gte=last[0]).exclude(due_at=last[0], pk__lte=last[1])
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
    later = now + dt.timedelta(days=90)
    rows = []
    for label, moment in (("today (first run)", now), ("all open rows overdue (worst case)", later)):
        _clean()
        _, _, peak, _ = _measure(lambda m=moment: reminders_send(now=m), trace=True)  # memory only
        _clean()
        stats, seconds, _, hwm = _measure(lambda m=moment: reminders_send(now=m))
        rows.append((label, stats, seconds, peak, hwm))
        again, s2, _, h2 = _measure(lambda m=moment: reminders_send(now=m))
        rows.append((label.split(" (")[0] + ", run again (idempotent)", again, s2, None, h2))
    n, base_s, _, base_hwm = _measure(_baseline(agency_id))
    _, _, base_peak, _ = _measure(_baseline(agency_id), trace=True)
    _clean()

    print(f"engine: {common.engine_name()}; machine: {common.machine()}")
    print(f"dataset: {common.dataset_size()}; {open_rows:,} open assignments with a deadline")
    print("\n| run | rows scanned | reminders logged | notifications | time | vs baseline | peak Python alloc "
          "| RSS growth | goal < 30 s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, st, sec, peak, hwm in rows:
        ok = "met" if sec < 30 else "not met"
        alloc = "—" if peak is None else f"{peak / 2**20:.1f} MB"
        print(f"| {label} | {st.scanned:,} | {st.logged:,} | {st.notifications:,} | {sec:.1f} s | "
              f"{sec / base_s:.1f}x | {alloc} | {hwm / 2**20:.1f} MB | {ok} |")
    print(f"| baseline: keyset walk, no work | {n:,} | — | — | {base_s:.1f} s | 1.0x | {base_peak / 2**20:.1f} MB "
          f"| {base_hwm / 2**20:.1f} MB | |")


if __name__ == "__main__":
    main()
