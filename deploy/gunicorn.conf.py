"""gunicorn settings of SAM (`gunicorn -c deploy/gunicorn.conf.py sam.wsgi:application`).

Read from the same SAM_* environment as the settings (docs/exploitation.md).
"""

import multiprocessing
import os

bind = os.environ.get("SAM_BIND", "127.0.0.1:8000")
# Sync workers: each request (a 10 GB upload streamed to disk included) holds one worker; the proxy buffers
# nothing, so slow clients hold workers too: size for the uploads expected at once, plus the pages.
workers = int(os.environ.get("SAM_WEB_WORKERS", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("SAM_WEB_THREADS", "1"))
# A 10 GB SIP at 20 MB/s takes ~9 minutes: a request may last an hour before gunicorn kills its worker.
timeout = int(os.environ.get("SAM_WEB_TIMEOUT", "3600"))
graceful_timeout = 60
keepalive = 5
# Recycle workers now and then (memory held by WeasyPrint or lxml after a large document).
max_requests = 2000
max_requests_jitter = 200
# Workers' heartbeat files in memory: on a busy disk (a 10 GB upload being written) gunicorn would think
# its workers hung. Uploads themselves are spooled by Django under SAM_DATA_DIR.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# X-Forwarded-* are believed only from the reverse proxies (nginx on the same host by default).
forwarded_allow_ips = os.environ.get("SAM_TRUSTED_PROXIES", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips
# Access log on stdout (journald): the request id set by nginx (X-Request-Id) and the time in microseconds.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus request_id=%({x-request-id}i)s "%(a)s"'
loglevel = os.environ.get("SAM_LOG_LEVEL", "info").lower()
# HTTPS served by gunicorn itself (without a proxy, or for the deployment test): both files or none.
certfile = os.environ.get("SAM_TLS_CERT") or None
keyfile = os.environ.get("SAM_TLS_KEY") or None

# SAM_LOG_FORMAT=json: gunicorn's own lines (start, worker restarts, access log) as JSON lines too, like SAM's.
if os.environ.get("SAM_LOG_FORMAT") == "json":
    _json_handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }},
        "handlers": {"json": _json_handler},
        "root": {"level": "INFO", "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["json"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["json"], "propagate": False},
        },
    }
