import os
import sys

# Test the package in this source tree, unless PROJECTION_TEST_INSTALLED is set: then the
# copy pip installed (scripts/test-ecosystem's pip and numpy2 stages) is imported.
HERE = os.path.dirname(os.path.abspath(__file__))
if not os.environ.get("PROJECTION_TEST_INSTALLED"):
    sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)  # the reference implementations
