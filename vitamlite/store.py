"""vitam-lite storage: one SQLite database (WAL) plus directories for binaries, scratch space and reports.

Modules add their tables with `register_schema(ddl)` at import time; every Store applies the registered
DDL (idempotent `CREATE ... IF NOT EXISTS`) when it opens and whenever new DDL was registered since.
Connections are per thread: the HTTP framework gives each request its thread's connection and commits or
rolls it back; background workflows (vitamlite.processing) get their own.
"""

import sqlite3
import threading
from pathlib import Path

DB_FILENAME = "vitamlite.sqlite3"
BUSY_TIMEOUT_SECONDS = 30
MMAP_BYTES = 1 << 30
MAX_IDLE_CONNECTIONS = 16

_schemas: list[str] = []
_migrations: list = []
_schemas_lock = threading.Lock()


def register_schema(ddl: str, *, migrate=None) -> None:
    """Add CREATE TABLE/INDEX IF NOT EXISTS statements, applied by every Store (now and later).

    `migrate(connection)`, when given, runs right before the DDL: it brings a database written by an
    older vitam-lite up to date (e.g. ALTER TABLE ... ADD COLUMN) and must be idempotent."""
    with _schemas_lock:
        if ddl not in _schemas:
            _schemas.append(ddl)
            _migrations.append(migrate)


register_schema(
    """
    CREATE TABLE IF NOT EXISTS logbook_operations (
        tenant INTEGER NOT NULL,
        id TEXT NOT NULL,
        ev_type TEXT NOT NULL,
        ev_type_proc TEXT NOT NULL,
        state TEXT NOT NULL,
        status TEXT NOT NULL,
        context_id TEXT,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 0,
        doc TEXT NOT NULL,
        PRIMARY KEY (tenant, id)
    );
    CREATE INDEX IF NOT EXISTS logbook_operations_by_date ON logbook_operations (tenant, created);
    -- logbook.event()/finish() find an operation by its (globally unique) id alone.
    CREATE UNIQUE INDEX IF NOT EXISTS logbook_operations_by_id ON logbook_operations (id);
    CREATE TABLE IF NOT EXISTS logbook_events (
        tenant INTEGER NOT NULL,
        operation_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (tenant, operation_id, seq)
    );
    """
)


class Store:
    """The data directory of one vitam-lite instance."""

    def __init__(self, data_dir, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS):
        self.busy_timeout = busy_timeout  # seconds a writer waits for another one before "database is locked"
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.data_dir / DB_FILENAME
        self.objects_dir = self.data_dir / "objects"
        self.work_dir = self.data_dir / "work"
        self.reports_dir = self.data_dir / "reports"
        for directory in (self.objects_dir, self.work_dir, self.reports_dir):
            directory.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        # Request threads are short-lived: their connections go back to this pool instead of being
        # closed, so a request does not pay for opening a connection (and its memory map) again.
        self._idle: list[sqlite3.Connection] = []
        self._idle_lock = threading.Lock()
        self._applied = 0
        self._apply_lock = threading.Lock()
        connection = self._open()
        connection.execute("PRAGMA journal_mode=WAL")
        self._apply_schemas(connection)
        connection.close()

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.db_path, timeout=self.busy_timeout, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA synchronous=NORMAL")
        # Request threads open short-lived connections: reading through a memory map shares the OS page
        # cache between them instead of starting every request with an empty private page cache.
        connection.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        connection.execute("PRAGMA temp_store=MEMORY")  # the search's matched-set table never touches the disk
        return connection

    def _apply_schemas(self, connection: sqlite3.Connection) -> None:
        with _schemas_lock:
            pending = list(zip(_schemas[self._applied :], _migrations[self._applied :]))
            total = len(_schemas)
        if not pending:
            return
        with self._apply_lock:
            for ddl, migrate in pending:
                if migrate is not None:
                    migrate(connection)
                connection.executescript(ddl)
            connection.commit()
            self._applied = max(self._applied, total)

    def connect(self) -> sqlite3.Connection:
        """This thread's connection (created on first use); schemas registered since are applied first."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            with self._idle_lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                connection = self._open()
            else:
                connection.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")  # may have changed
            self._local.connection = connection
        if self._applied < len(_schemas):
            self._apply_schemas(connection)
        return connection

    def close_thread_connection(self) -> None:
        """Release this thread's connection (the server's request threads are short-lived): it is kept
        for the next request, without any transaction left open, or closed when enough are idle."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            return
        self._local.connection = None
        try:
            connection.rollback()
        except sqlite3.Error:
            connection.close()
            return
        with self._idle_lock:
            if len(self._idle) < MAX_IDLE_CONNECTIONS:
                self._idle.append(connection)
                return
        connection.close()

    def close_idle_connections(self) -> None:
        """Close the pooled connections (when the server stops)."""
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def new_connection(self) -> sqlite3.Connection:
        """A private connection the caller closes (for code that must not share the thread's one)."""
        connection = self._open()
        if self._applied < len(_schemas):
            self._apply_schemas(connection)
        return connection

    def tenant_objects_dir(self, tenant: int) -> Path:
        return self.objects_dir / str(int(tenant))

    def tenant_reports_dir(self, tenant: int) -> Path:
        return self.reports_dir / str(int(tenant))
