# Vendored from langchain-ai/react-agent@d89d249c (MIT License, Copyright (c) 2024 LangChain; see LICENSE).
"""React Agent.

This module defines a custom reasoning and action agent graph.
It invokes tools in a simple loop.
"""

from react_agent.graph import graph

__all__ = ["graph"]
