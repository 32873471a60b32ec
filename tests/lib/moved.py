"""moved.py - keeps a module that moved into tests/lib importable from its old folder.

The old file holds three lines: put tests/lib first on sys.path, import this, and call
redirect(__name__). The importer then gets tests/lib's module: an import statement takes
whatever sys.modules holds under the name once the module's code has run.
"""
import importlib
import sys


def redirect(name):
    del sys.modules[name]
    sys.modules[name] = importlib.import_module(name)
