from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
VAR_DIR.mkdir(parents=True, exist_ok=True)
