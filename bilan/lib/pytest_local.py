"""Loaded first by pytest (`-p bilan.lib.pytest_local` in pyproject), before Django reads its
settings: the suite is a plain-HTTP run on this machine (config/settings.py, BILAN_LOCAL_HTTP).
A test that wants the production settings starts a process with its own environment."""

import os

os.environ.setdefault("BILAN_LOCAL_HTTP", "1")
