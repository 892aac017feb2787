"""The OpenAI-compatible endpoint backend (`--model http(s)://HOST/v1`)."""

from audit.model.endpoint.model import EndpointModel

__all__ = ["EndpointModel"]
