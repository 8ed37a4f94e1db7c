"""Flask extensions, created unbound so that any module may import them.

This module imports nothing from ``app``: it sits at the bottom of the layers.
"""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Counts by the client's address as the WSGI server saw it, or as the
# configured number of proxies reported it (ProxyFix): never a header the
# client wrote itself. Storage: Redis when REDIS_URL is set (config).
limiter = Limiter(key_func=get_remote_address)
