"""The admin web console, served by the gateway at ``/console``: server-rendered pages (Jinja2),
htmx and uPlot vendored as static files, no build step and no CDN.

Layout: ``app.py`` mounts the console as its own small application (its errors are pages);
``security.py``, ``sessions.py`` and ``deps.py`` are sign-in, sessions in the database, CSRF and
the headers every page carries; ``*_pages.py`` are the pages (a route, a template, a service
call each), reading their numbers from ``overview_data.py``, ``usage_data.py``, ``deployments.py``
and ``spend.py``. Pages call the gateway's services directly, never the gateway over HTTP.
"""
