"""The business of Huibian in plain Python: no request globals, the actor passed in.

The layer rule (checked by import-linter in ``make test``; see ``pyproject.toml``):

- ``app.models`` and ``app.extensions`` sit below the domain; blueprints
  (``app.<area>``), ``app.web``, ``app.templating``, ``app.errors``,
  ``app.i18n``, ``app.cli``, ``app.background`` and ``app.seed`` sit above it.
- The domain never imports anything above it, nor the app factory (``app``),
  nor ``flask`` or ``flask_login``: no ``request``, ``session``,
  ``current_user`` or ``current_app``. What a rule needs from the request
  (the acting user, the language, a setting) is passed in by the caller.
- Only ``notifications`` builds URLs (``flask.url_for``), per recipient.
- ``proceedings.typesetting`` is the typesetter: it knows neither Flask nor
  the database, only the ``BookSpec`` it is handed.

The map: a small kernel here (errors, permissions, audit, labels, dates,
notifications, the workflow table, accounts) and one package per area:
``submissions`` (with ``bodies`` and ``docx``), ``review``, ``conference``
and ``proceedings`` (with ``typesetting``).
"""
