"""The daemon's tasks. Each module exposes ``async def run(deps, stop) -> None``."""
