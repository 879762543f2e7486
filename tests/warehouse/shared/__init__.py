"""Tests of the warehouse code both dialects share that is not an area (the feature SQL)."""
