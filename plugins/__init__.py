"""pytest plugins shipped with langgraph-chaos (registered through the ``pytest11`` entry point)."""
