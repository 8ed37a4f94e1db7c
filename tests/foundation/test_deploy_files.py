"""The deployment examples and the README's Production section say what the code does."""
from __future__ import annotations

import re
import runpy

from app.config import ROOT
from app.static_files import ONE_YEAR

DEPLOY = ROOT / "deploy"
FLASK_COMMAND = re.compile(r"flask --app wsgi ([a-z-]+(?: [a-z-]+)?)")


def _production_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Production", 1)[1].split("\n## ", 1)[0]


def test_every_variable_of_the_example_environment_is_read_by_the_app_or_gunicorn():
    code = (ROOT / "app" / "config.py").read_text() + (ROOT / "gunicorn.conf.py").read_text()
    names = [line.split("=", 1)[0] for line in (DEPLOY / "huibian.env.example").read_text().splitlines()
             if line and not line.startswith("#")]
    assert "HUIBIAN_PROXIES" in names and "DATABASE_URL" in names
    assert [name for name in names if f'"{name}"' not in code] == []


def test_every_flask_command_the_units_and_the_readme_run_exists(app):
    commands = app.cli.list_commands(None)
    mentioned = set()
    for text in [path.read_text() for path in (DEPLOY / "systemd").iterdir()] + [_production_section()]:
        mentioned |= {found.split()[0] for found in FLASK_COMMAND.findall(text)}
    assert mentioned >= {"worker", "send-mail", "db"}
    assert sorted(mentioned - set(commands)) == []


def test_gunicorn_takes_its_size_from_the_environment_and_never_preloads(monkeypatch):
    monkeypatch.setenv("HUIBIAN_WORKERS", "3")
    monkeypatch.setenv("HUIBIAN_THREADS", "8")
    monkeypatch.setenv("HUIBIAN_BIND", "127.0.0.1:9000")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (settings["workers"], settings["threads"], settings["bind"]) == (3, 8, "127.0.0.1:9000")
    assert settings["preload_app"] is False and settings["wsgi_app"] == "wsgi:app"
    assert settings["secure_scheme_headers"] == {}   # forwarded headers: ProxyFix, by HUIBIAN_PROXIES


def test_nginx_caches_exactly_what_the_app_caches_for_a_year():
    site = (DEPLOY / "nginx" / "huibian.conf").read_text()
    assert f'default "public, max-age={ONE_YEAR}, immutable"' in site
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in site and "X-Forwarded-Proto $scheme" in site
