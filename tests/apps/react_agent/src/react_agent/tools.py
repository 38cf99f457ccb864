"""This module provides example tools for web scraping and search functionality.

It includes a basic Tavily search function (as an example)

These tools are intended as free examples to get started. For production use,
consider implementing more robust and specialized tools tailored to your needs.
"""
# Vendored from langchain-ai/react-agent (MIT, see ../../LICENSE); changed for langgraph-chaos:
# `search` calls Tavily's REST API with httpx instead of through langchain_tavily, so the copy
# needs no extra package; the request is the same one TavilySearch sends.

import os
from typing import Any, Callable, List, Optional, cast

import httpx
from langgraph.runtime import get_runtime

from react_agent.context import Context


async def search(query: str) -> Optional[dict[str, Any]]:
    """Search for general web results.

    This function performs a search using the Tavily search engine, which is designed
    to provide comprehensive, accurate, and trusted results. It's particularly useful
    for answering questions about current events.
    """
    runtime = get_runtime(Context)
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            "https://api.tavily.com/search",
            json={"query": query, "max_results": runtime.context.max_search_results},
            headers={"Authorization": f"Bearer {os.environ.get('TAVILY_API_KEY', '')}"},
        )
        response.raise_for_status()
        return cast(dict[str, Any], response.json())


TOOLS: List[Callable[..., Any]] = [search]
