"""Example graphs bundled with langgraph-chaos (targets for the README's main job and the tests)."""
