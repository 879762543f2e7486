"""Loaded by every Python subprocess whose PYTHONPATH starts here (tests/deploy/aws_calls.py):
record the AWS calls of fraudd's clients into $FRAUDDTEST_AWS_CALL_LOG, from the moment fraudd.aws
is imported (nothing heavy is imported here: this runs at every interpreter start)."""

import os

if os.environ.get("FRAUDDTEST_AWS_CALL_LOG"):
    try:
        from tests.deploy.aws_calls import install_on_import

        install_on_import()
    except ImportError:  # another interpreter, or not a checkout with the tests
        pass
