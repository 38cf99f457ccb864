# Vendored from langchain-ai/agent-inbox-langgraph-example@f56c3326 (MIT License, Copyright (c) 2024 LangChain; see LICENSE).
"""New LangGraph Agent.

This module defines a custom graph.
"""

from agent.graph import graph

__all__ = ["graph"]
