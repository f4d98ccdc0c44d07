"""``llmecon serve``: the JSON API and the interactive page over the same engine as the CLI.

* ``app``: the FastAPI application factory ``create_app(db_url, token)``;
* ``inputs``: a scenario from a request (YAML text or a JSON object), with the page's slider
  overrides applied, and the web's own limits (options, samples, no server files);
* ``cache``: computed responses, keyed by a hash of the request's scenario and parameters;
* ``store``: saved scenarios with versions in SQLAlchemy (SQLite or PostgreSQL), optimistic
  concurrency; ``migrations/``: the Alembic scripts, run on start;
* ``templates/``, ``static/``: the one page, its script and style; plotly.js is served from
  the installed plotly package, so the page works offline.

Install with ``pip install 'llmecon[web]'``; nothing here is imported by the CLI's start-up.
"""
