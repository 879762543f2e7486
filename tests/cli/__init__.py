"""Tests of the command line (fraudd.cli), driven through the real `fraudd` process."""
