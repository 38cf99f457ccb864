# Vendored from langchain-ai/react-agent@d89d249c (MIT License, Copyright (c) 2024 LangChain; see LICENSE).
"""Default prompts used by the agent."""

SYSTEM_PROMPT = """You are a helpful AI assistant.

System time: {system_time}"""
