"""gunicorn settings for Huibian: ``gunicorn -c gunicorn.conf.py`` from the repository root.

Everything a deployment varies comes from the environment (see README,
"Production"); the rest is chosen here for this app:

* threads (gthread workers): most of a request's time is the database, and
  the long ones (a preview, a Word import) wait on a child process, so a
  worker serves its other threads meanwhile;
* no preload: each worker imports the app itself, so each has its own preview
  worker pool, converter fork server and build thread, and none is shared
  across a fork;
* the reverse proxy in front is trusted only through ``HUIBIAN_PROXIES``
  (ProxyFix in the app), so gunicorn's own X-Forwarded-Proto handling is off.
"""
import os

wsgi_app = "wsgi:app"
bind = os.environ.get("HUIBIAN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
# Each worker has up to one warm preview process (300–700 MB) of its own.
workers = int(os.environ.get("HUIBIAN_WORKERS", "2"))
threads = int(os.environ.get("HUIBIAN_THREADS", "4"))
preload_app = False

# A preview may take 60 s and a Word import 20 s; a worker silent for longer is stuck.
timeout = int(os.environ.get("HUIBIAN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Replace a worker now and then, so that slow growth never piles up.
max_requests = 5000
max_requests_jitter = 500
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # heartbeats off the disk

secure_scheme_headers = {}
accesslog = "-"
errorlog = "-"
