# Vendored from langchain-ai/rag-research-agent-template@39f3ce6a (MIT License, Copyright (c) 2024 LangChain; see LICENSE).
"""Manage the configuration of various retrievers.

This module provides functionality to create and manage retrievers for different
vector store backends, specifically Elasticsearch, Pinecone, and MongoDB.
"""

import os
from contextlib import contextmanager
from typing import Generator

from langchain_core.embeddings import Embeddings
from langchain_core.runnables import RunnableConfig
from langchain_core.vectorstores import VectorStoreRetriever

from shared.configuration import BaseConfiguration

## Encoder constructors


def make_text_encoder(model: str) -> Embeddings:
    """Connect to the configured text encoder."""
    provider, model = model.split("/", maxsplit=1)
    match provider:
        case "openai":
            from langchain_openai import OpenAIEmbeddings

            # Changed for langgraph-chaos: no tiktoken pre-tokenizing (it downloads its
            # encoding files at first use, which a sealed run refuses).
            return OpenAIEmbeddings(model=model, check_embedding_ctx_length=False)
        case "cohere":
            from langchain_cohere import CohereEmbeddings

            return CohereEmbeddings(model=model)  # type: ignore
        case _:
            raise ValueError(f"Unsupported embedding provider: {provider}")


## Retriever constructors


@contextmanager
def make_elastic_retriever(
    configuration: BaseConfiguration, embedding_model: Embeddings
) -> Generator[VectorStoreRetriever, None, None]:
    """Configure this agent to connect to a specific elastic index."""
    from langchain_elasticsearch import ElasticsearchStore

    connection_options = {}
    if configuration.retriever_provider == "elastic-local":
        connection_options = {
            "es_user": os.environ["ELASTICSEARCH_USER"],
            "es_password": os.environ["ELASTICSEARCH_PASSWORD"],
        }

    else:
        connection_options = {"es_api_key": os.environ["ELASTICSEARCH_API_KEY"]}

    vstore = ElasticsearchStore(
        **connection_options,  # type: ignore
        es_url=os.environ["ELASTICSEARCH_URL"],
        index_name="langchain_index",
        embedding=embedding_model,
    )

    yield vstore.as_retriever(search_kwargs=configuration.search_kwargs)


@contextmanager
def make_pinecone_retriever(
    configuration: BaseConfiguration, embedding_model: Embeddings
) -> Generator[VectorStoreRetriever, None, None]:
    """Configure this agent to connect to a specific pinecone index."""
    from langchain_pinecone import PineconeVectorStore

    vstore = PineconeVectorStore.from_existing_index(
        os.environ["PINECONE_INDEX_NAME"], embedding=embedding_model
    )
    yield vstore.as_retriever(search_kwargs=configuration.search_kwargs)


@contextmanager
def make_mongodb_retriever(
    configuration: BaseConfiguration, embedding_model: Embeddings
) -> Generator[VectorStoreRetriever, None, None]:
    """Configure this agent to connect to a specific MongoDB Atlas index & namespaces."""
    from langchain_mongodb.vectorstores import MongoDBAtlasVectorSearch

    vstore = MongoDBAtlasVectorSearch.from_connection_string(
        os.environ["MONGODB_URI"],
        namespace="langgraph_retrieval_agent.default",
        embedding=embedding_model,
    )
    yield vstore.as_retriever(search_kwargs=configuration.search_kwargs)


# Added for langgraph-chaos: an in-process retriever over a few documents (the embeddings still
# come from the configured provider's API), so the copy runs without a vector database.
_MEMORY_DOCS = [
    "LangGraph is a library for building stateful, multi-actor applications with LLMs.",
    "A checkpointer saves the graph state at every superstep.",
    "Send fans work out to parallel tasks of one node.",
]


class _MemoryRetriever(VectorStoreRetriever):
    """Cosine similarity in pure Python over the seeded documents."""

    def _get_relevant_documents(self, query, *, run_manager=None):  # type: ignore[no-untyped-def]
        raise NotImplementedError("use ainvoke")

    async def _aget_relevant_documents(self, query, *, run_manager=None):  # type: ignore[no-untyped-def]
        from langchain_core.documents import Document

        embeddings = self.vectorstore.embeddings  # type: ignore[attr-defined]
        docs = [Document(page_content=t, metadata={"id": f"doc-{i}"}) for i, t in enumerate(_MEMORY_DOCS)]
        vectors = await embeddings.aembed_documents([d.page_content for d in docs])
        q = await embeddings.aembed_query(query)
        scores = [sum(a * b for a, b in zip(q, v)) for v in vectors]
        ranked = sorted(zip(scores, range(len(docs))), reverse=True)
        return [docs[i] for _, i in ranked[: self.search_kwargs.get("k", 2)]]


@contextmanager
def make_memory_retriever(
    configuration: BaseConfiguration, embedding_model: Embeddings
) -> Generator[VectorStoreRetriever, None, None]:
    """The seeded documents (no vector database, no numpy)."""
    from langchain_core.vectorstores import InMemoryVectorStore

    vstore = InMemoryVectorStore(embedding=embedding_model)
    yield _MemoryRetriever(vectorstore=vstore, search_kwargs=dict(configuration.search_kwargs))


@contextmanager
def make_retriever(
    config: RunnableConfig,
) -> Generator[VectorStoreRetriever, None, None]:
    """Create a retriever for the agent, based on the current configuration."""
    configuration = BaseConfiguration.from_runnable_config(config)
    embedding_model = make_text_encoder(configuration.embedding_model)
    match configuration.retriever_provider:
        case "elastic" | "elastic-local":
            with make_elastic_retriever(configuration, embedding_model) as retriever:
                yield retriever

        case "pinecone":
            with make_pinecone_retriever(configuration, embedding_model) as retriever:
                yield retriever

        case "mongodb":
            with make_mongodb_retriever(configuration, embedding_model) as retriever:
                yield retriever

        case "memory":
            with make_memory_retriever(configuration, embedding_model) as retriever:
                yield retriever

        case _:
            raise ValueError(
                "Unrecognized retriever_provider in configuration. "
                f"Expected one of: {', '.join(BaseConfiguration.__annotations__['retriever_provider'].__args__)}\n"
                f"Got: {configuration.retriever_provider}"
            )
