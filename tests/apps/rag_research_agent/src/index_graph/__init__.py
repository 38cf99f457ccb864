# Vendored from langchain-ai/rag-research-agent-template@39f3ce6a (MIT License, Copyright (c) 2024 LangChain; see LICENSE).
"""Index Graph Module."""

from index_graph.graph import graph

__all__ = ["graph"]
