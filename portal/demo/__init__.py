"""The demo hospital that `make run` loads (manage.py demo). Later issues add their parts here."""
