"""Tests of the Redshift-only warehouse modules that are not areas (S3 staging, temp tables)."""
