"""Realistic traffic through the real REST API: `manage.py simulate`, and `make bench`."""
