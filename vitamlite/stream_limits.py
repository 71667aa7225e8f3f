"""Daily limit of streams per tenant, as Vitam's metadata counts them (MetaDataImpl.checkStream and
updateParameterStream, MetadataSnapshot UnitsScrollDate/UnitsScrollNumber).

- Before a stream: when the stored date is before today the counter goes back to 0 and the stream may run;
  otherwise a limit other than 0 refuses it once the counter has reached the limit (access-internal then
  answers 401, which access-external relays as an empty 401).
- After a stream that was served (not a refused or failed one): the counter goes up by one and the date
  becomes today.

The limit is metadata's unitsStreamExecutionLimit (objectsStreamExecutionLimit for object groups); Vitam's
deployment default is 3, 0 means unlimited.
"""

from __future__ import annotations

import datetime

from vitamlite.store import register_schema

UNITS = "units"

register_schema(
    """
    CREATE TABLE IF NOT EXISTS stream_executions (
        tenant INTEGER NOT NULL,
        kind TEXT NOT NULL,
        day TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (tenant, kind)
    );
    """
)


def today() -> datetime.date:
    """The server's local date, as Vitam's LocalDate.now() (tests replace it to move to the next day)."""
    return datetime.date.today()


def _executions_today(db, tenant: int, kind: str) -> int:
    row = db.execute("SELECT day, count FROM stream_executions WHERE tenant = ? AND kind = ?",
                     (tenant, kind)).fetchone()
    if row is None or row[0] < today().isoformat():
        return 0
    return row[1]


def allowed(db, tenant: int, kind: str, limit: int) -> bool:
    """False when the tenant has already run `limit` streams of this kind today (0 = no limit)."""
    return limit == 0 or _executions_today(db, tenant, kind) < limit


def record(db, tenant: int, kind: str) -> None:
    """Count one stream served today."""
    count = _executions_today(db, tenant, kind) + 1
    db.execute(
        "INSERT INTO stream_executions (tenant, kind, day, count) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (tenant, kind) DO UPDATE SET day = excluded.day, count = excluded.count",
        (tenant, kind, today().isoformat(), count),
    )
