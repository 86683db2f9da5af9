#!/usr/bin/env python
"""Django's command-line utility for Shop."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    from shop.cli.services_env import prepare

    prepare(sys.argv)  # the shell tools find `make run`'s services, or say what to do
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
