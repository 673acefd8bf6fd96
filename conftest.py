"""Doctests of a module that needs an optional tool are not collected when it is missing.

(tests/conftest.py holds the test settings; this one only sees the package's doctests.)
"""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("torch") else ["micrograd_cbook/bridge.py"]
