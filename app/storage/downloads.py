"""The answer to a download, whichever backend holds the file.

Access is checked by the view before it calls this. A file in object
storage is a redirect to a presigned URL that expires in a minute; a local
file is sent by the app as before. Either way the browser saves it under
``download_name`` and never sniffs it into something else.
"""
from __future__ import annotations

from flask import abort, redirect, send_file
from werkzeug.wrappers import Response

from app.storage.base import FileStore

DOWNLOAD_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"}


def download_response(store: FileStore, key: str, *, download_name: str, mimetype: str,
                      etag: str | bool = True) -> Response:
    """404 when the file is not stored; a redirect to a signed URL, or the file itself."""
    url = store.download_url(key, download_name=download_name, mimetype=mimetype)
    if url is not None:
        if not store.exists(key):
            abort(404)
        response = redirect(url, code=302)
        # The signed URL is a capability for one minute: no cache or proxy may keep it.
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    path = store.local_path(key)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=download_name,
                         conditional=True, etag=etag, max_age=0)
    response.headers.update(DOWNLOAD_HEADERS)
    response.cache_control.private = True
    return response
