"""Utility & helper functions."""
# Vendored from langchain-ai/react-agent (MIT, see ../../LICENSE); changed for langgraph-chaos:
# load_chat_model builds the provider's chat model directly instead of through
# langchain.chat_models.init_chat_model, so the copy needs no `langchain` package.

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage


def get_message_text(msg: BaseMessage) -> str:
    """Get the text content of a message."""
    content = msg.content
    if isinstance(content, str):
        return content
    elif isinstance(content, dict):
        return content.get("text", "")
    else:
        txts = [c if isinstance(c, str) else (c.get("text") or "") for c in content]
        return "".join(txts).strip()


def load_chat_model(fully_specified_name: str) -> BaseChatModel:
    """Load a chat model from a fully specified name.

    Args:
        fully_specified_name (str): String in the format 'provider/model'.
    """
    provider, model = fully_specified_name.split("/", maxsplit=1)
    if provider == "anthropic":
        from langchain_anthropic import ChatAnthropic

        return ChatAnthropic(model=model)  # type: ignore[call-arg]
    if provider == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=model)
    raise ValueError(f"Unsupported provider {provider!r}")
