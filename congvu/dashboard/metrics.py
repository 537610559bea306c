"""The roll-up computations: for each source, the DailyFigure rows of one agency over a range of days,
computed from the raw tables with index-bounded queries.

Every metric's total is the sum over its dimensions. Flow metrics count events of a day; snapshot metrics
hold the state at the end of a day."""

SNAPSHOT_STATE_KEY = "snapshot_day"  # RollupState: last_entry_id = ordinal of the last day with snapshots

# documents (flows)
DOC_IN = "doc_in"
DOC_IN_ELECTRONIC = "doc_in_electronic"
DOC_OUT = "doc_out"
DOC_OUT_ELECTRONIC = "doc_out_electronic"
# processing of incoming documents: the lead assignment (flows by completion day; dimension = department id)
PROC_ON_TIME = "proc_on_time"
PROC_LATE = "proc_late"
PROC_MINUTES = "proc_minutes"
PROC_OPEN = "proc_open"  # snapshot
PROC_OVERDUE = "proc_overdue"  # snapshot
TASK_ON_TIME = "task_on_time"
TASK_LATE = "task_late"
TASK_OPEN = "task_open"  # snapshot
TASK_OVERDUE = "task_overdue"  # snapshot
# one-stop (dimension = procedure local code)
DOSSIER_RECEIVED = "dossier_received"
DOSSIER_ONLINE = "dossier_online"
DOSSIER_ON_TIME = "dossier_on_time"
DOSSIER_LATE = "dossier_late"
DOSSIER_OVERDUE = "dossier_overdue"  # snapshot
RATING_COUNT = "rating_count"
RATING_SATISFIED = "rating_satisfied"
# staffing (snapshots)
STAFF_QUOTA = "staff_quota"
STAFF_IN_POST = "staff_in_post"
# exchange
EXCHANGE_SENT = "exchange_sent"
EXCHANGE_RECEIVED = "exchange_received"
EXCHANGE_WAITING = "exchange_waiting"  # snapshot
