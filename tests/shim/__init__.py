"""Test-only protocol shims (the Redshift wire shim lets redshift_connector reach PostgreSQL)."""
