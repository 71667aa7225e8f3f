"""vitam-lite: a Vitam-compatible back office (external REST API) for SAM.

Pure WSGI (Werkzeug) + sqlite3 + files on disk; it never touches the portal's database.
Entry points: `vitamlite.server.create_app` / `start_in_thread`, `vitamlite.embedded.base_url`,
and `python manage.py vitamlite`.
"""
