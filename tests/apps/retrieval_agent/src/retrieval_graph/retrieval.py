# Vendored from langchain-ai/retrieval-agent-template@8f402554 (MIT License, Copyright (c) 2024 LangChain; see LICENSE).
"""Manage the configuration of various retrievers.

This module provides functionality to create and manage retrievers for different
vector store backends, specifically Elasticsearch, Pinecone, and MongoDB.

The retrievers support filtering results by user_id to ensure data isolation between users.
"""

import os
from contextlib import contextmanager
from typing import Generator

from langchain_core.embeddings import Embeddings
from langchain_core.runnables import RunnableConfig
from langchain_core.vectorstores import VectorStoreRetriever

from retrieval_graph.configuration import Configuration, IndexConfiguration

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
    configuration: IndexConfiguration, embedding_model: Embeddings
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

    search_kwargs = configuration.search_kwargs

    search_filter = search_kwargs.setdefault("filter", [])
    search_filter.append({"term": {"metadata.user_id": configuration.user_id}})
    yield vstore.as_retriever(search_kwargs=search_kwargs)


@contextmanager
def make_pinecone_retriever(
    configuration: IndexConfiguration, embedding_model: Embeddings
) -> Generator[VectorStoreRetriever, None, None]:
    """Configure this agent to connect to a specific pinecone index."""
    from langchain_pinecone import PineconeVectorStore

    search_kwargs = configuration.search_kwargs

    search_filter = search_kwargs.setdefault("filter", {})
    search_filter.update({"user_id": configuration.user_id})
    vstore = PineconeVectorStore.from_existing_index(
        os.environ["PINECONE_INDEX_NAME"], embedding=embedding_model
    )
    yield vstore.as_retriever(search_kwargs=search_kwargs)


@contextmanager
def make_mongodb_retriever(
    configuration: IndexConfiguration, embedding_model: Embeddings
) -> Generator[VectorStoreRetriever, None, None]:
    """Configure this agent to connect to a specific MongoDB Atlas index & namespaces."""
    from langchain_mongodb.vectorstores import MongoDBAtlasVectorSearch

    vstore = MongoDBAtlasVectorSearch.from_connection_string(
        os.environ["MONGODB_URI"],
        namespace="langgraph_retrieval_agent.default",
        embedding=embedding_model,
    )
    search_kwargs = configuration.search_kwargs
    pre_filter = search_kwargs.setdefault("pre_filter", {})
    pre_filter["user_id"] = {"$eq": configuration.user_id}
    yield vstore.as_retriever(search_kwargs=search_kwargs)


# Added for langgraph-chaos: an in-process vector store (the embeddings still come from the
# configured provider's API), so the copy runs without Elasticsearch, Pinecone or MongoDB.
_MEMORY_DOCS = [
    ("LangGraph is a library for building stateful, multi-actor applications with LLMs.", "u1"),
    ("A checkpointer saves the graph state at every superstep.", "u1"),
    ("Interrupts pause a graph until a human answers.", "u1"),
]


class _MemoryRetriever(VectorStoreRetriever):
    """Cosine similarity in pure Python over the seeded documents of one user."""

    def _get_relevant_documents(self, query, *, run_manager=None):  # type: ignore[no-untyped-def]
        raise NotImplementedError("use ainvoke")

    async def _aget_relevant_documents(self, query, *, run_manager=None):  # type: ignore[no-untyped-def]
        from langchain_core.documents import Document

        embeddings = self.vectorstore.embeddings  # type: ignore[attr-defined]
        user_id = self.search_kwargs.get("user_id")
        docs = [Document(page_content=t, metadata={"user_id": u}) for t, u in _MEMORY_DOCS if u == user_id]
        if not docs:
            return []
        vectors = await embeddings.aembed_documents([d.page_content for d in docs])
        q = await embeddings.aembed_query(query)
        scores = [sum(a * b for a, b in zip(q, v)) for v in vectors]
        ranked = sorted(zip(scores, range(len(docs))), reverse=True)
        return [docs[i] for _, i in ranked[: self.search_kwargs.get("k", 4)]]


@contextmanager
def make_memory_retriever(
    configuration: IndexConfiguration, embedding_model: Embeddings
) -> Generator[VectorStoreRetriever, None, None]:
    """The seeded documents of the configured user (no vector database, no numpy)."""
    from langchain_core.vectorstores import InMemoryVectorStore

    vstore = InMemoryVectorStore(embedding=embedding_model)
    search_kwargs = {**configuration.search_kwargs, "user_id": configuration.user_id}
    yield _MemoryRetriever(vectorstore=vstore, search_kwargs=search_kwargs)


@contextmanager
def make_retriever(
    config: RunnableConfig,
) -> Generator[VectorStoreRetriever, None, None]:
    """Create a retriever for the agent, based on the current configuration."""
    configuration = IndexConfiguration.from_runnable_config(config)
    embedding_model = make_text_encoder(configuration.embedding_model)
    user_id = configuration.user_id
    if not user_id:
        raise ValueError("Please provide a valid user_id in the configuration.")
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
                f"Expected one of: {', '.join(Configuration.__annotations__['retriever_provider'].__args__)}\n"
                f"Got: {configuration.retriever_provider}"
            )
