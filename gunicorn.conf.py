"""Gunicorn settings for Cadre (bin/serve passes it with -c; gunicorn also reads it from this directory).

Workers, threads, bind address and timeout stay on the command line (bin/serve,
README). What lives here is what every start of the app should get:

- no ``Server: gunicorn`` response header: it tells a scanner which server and
  which of its known bugs to try, and tells users nothing. Gunicorn has no
  setting for it, so its response class is told to leave that one header out.
"""

from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def _default_headers_without_server(self):
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


if not getattr(wsgi.Response, "_cadre_no_server_header", False):
    wsgi.Response.default_headers = _default_headers_without_server
    wsgi.Response._cadre_no_server_header = True
