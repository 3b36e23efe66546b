"""WSGI entry point: `flask --app app ...`, `waitress-serve app:app`, `gunicorn app:app`."""
from factory import create_app

app = create_app()
