"""pgserver - moved to tests/lib/pgserver.py; this stays so that `import pgserver` from tests/postgres works.

The module puts tests/lib first on sys.path and hands the importer tests/lib's module instead
of itself (the importer takes whatever sys.modules holds under the name when this ends).
"""
import importlib
import os
import sys

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                 "..", "lib")))
del sys.modules[__name__]
sys.modules[__name__] = importlib.import_module(__name__)
