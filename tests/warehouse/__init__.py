"""Tests of the warehouse layer (both drivers, migrations, SQL files)."""
