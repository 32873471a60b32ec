"""pgreport: moved to tests/lib/pgreport.py; importable from here (tests/lib/moved.py)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import moved  # noqa: E402

moved.redirect(__name__)
