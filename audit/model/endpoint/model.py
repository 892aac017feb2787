"""EndpointModel: the model port over an OpenAI-compatible HTTP endpoint (vLLM, llama.cpp, TGI,
Ollama, hosted APIs), with what the server can do found by checking it (`_probe`)."""

from __future__ import annotations

import logging
import math
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from audit.errors import CapabilityError, ModelError, UsageError
from audit.model.base import Capability, GenerationConfig, Loglikelihood, Progress
from audit.model.endpoint._cache import ResponseCache
from audit.model.endpoint._logprobs import echo_body, prompt_for, score_choice
from audit.model.endpoint._options import EndpointOptions, parse_options
from audit.model.endpoint._probe import ProbeResult, probe_endpoint
from audit.model.endpoint._replicas import split_urls
from audit.model.endpoint._transport import Transport
from audit.paths import cache_dir
from audit.types import ModelIdentity

__all__ = ["EndpointModel"]

log = logging.getLogger(__name__)

_ALTERNATIVE = {
    Capability.LOGLIKELIHOOD: "use a /v1/completions endpoint whose echoed prompt log-probs "
                              "pass the probe (vLLM, TGI), or local weights",
    Capability.GENERATION: "use a server that honours max_tokens and stop, or local weights",
    Capability.CHOICE_LOGPROBS: "use a chat endpoint that returns top_logprobs, or local weights",
    Capability.GRADIENTS: "use a perturbation method (ablation, shapley, shap) or local weights",
}


class EndpointModel:
    """A served model behind `/v1/completions` and/or `/v1/chat/completions`.

    Nothing about the weights is known: `identity.sha256` is "" and `identity.extra` says so,
    with the base URL, served model name, `/v1/models` answer, `system_fingerprint` and what the
    probe found. The API key is read from the environment and held only in a request header.

    `base_url` may list several replicas of one model, comma-separated: each is probed and must
    agree with the first; requests then go to the least-loaded healthy one (`_replicas`).
    """

    options: ClassVar[frozenset[str]] = frozenset({"model_options"})

    def __init__(self, base_url: str, opts: EndpointOptions, api_key: str | None) -> None:
        self.base_urls = split_urls(base_url)
        self.base_url = ",".join(self.base_urls)
        self.opts = opts
        cache = None
        if opts.cache:
            cache = ResponseCache(Path(opts.cache_path) if opts.cache_path
                                  else cache_dir() / "endpoint-responses.sqlite")
        self._cache = cache
        self.served = opts.model
        self.transport = Transport(self.base_urls, api_key, timeout=opts.timeout,
                                   max_concurrency=opts.max_concurrency,
                                   concurrency=opts.concurrency, max_retries=opts.max_retries,
                                   cache=cache, scope="")
        self.probe = ProbeResult()
        # connections and the loop thread end with the model even if nobody calls close()
        self._finalizer = weakref.finalize(self, _shutdown, self.transport, cache)
        self._models_answer: list[dict[str, Any]] = []
        self._fingerprint: str | None = None

    # -- the backend contract --------------------------------------------------------------
    @classmethod
    def accepts(cls, spec: str) -> bool:
        return spec.lower().startswith(("http://", "https://"))

    @classmethod
    def check(cls, spec: str, *, model_options: dict[str, str] | None = None) -> None:
        """What `open` would refuse without connecting: option names and values, the key's
        environment variable."""
        opts, explicit = parse_options(model_options)
        opts.api_key(explicit)
        urls = split_urls(spec)
        for url in urls:
            if not cls.accepts(url):
                raise UsageError(f"--model {spec}: {url!r} is not an http(s) base URL",
                                 "list replicas as http://HOST1:PORT/v1,http://HOST2:PORT/v1")
        if len(set(urls)) != len(urls):
            raise UsageError(f"--model {spec}: a base URL is listed twice", "list each once")

    @classmethod
    def open(cls, spec: str, *, model_options: dict[str, str] | None = None) -> EndpointModel:
        """Connect, find the served model, and probe what the endpoint can do."""
        cls.check(spec, model_options=model_options)
        opts, explicit = parse_options(model_options)
        model = cls(spec, opts, opts.api_key(explicit))
        try:
            model.connect()
        except BaseException:  # nothing half-open left behind (connections, the loop thread)
            model.close()
            raise
        return model

    def connect(self) -> EndpointModel:
        """Find the served model and probe every replica; each must agree with the first."""
        first: dict[str, Any] = {}
        for i, url in enumerate(self.base_urls):
            answer = self.transport.get_json(url + "/models", replica=i)
            listed = [m for m in (answer or {}).get("data", []) if isinstance(m, dict)]
            ids = [str(m.get("id")) for m in listed]
            if not self.served:
                if not ids:
                    raise ModelError(f"the endpoint at {url} lists no model at /v1/models",
                                     "name the served model with --model-option model=NAME")
                self.served = ids[0]
            elif ids and self.served not in ids:
                fix = ("fix --model-option model=NAME" if i == 0 else
                       f"serve {self.served!r} there too, or drop {url} from --model")
                raise ModelError(f"the endpoint at {url} does not serve {self.served!r} "
                                 f"(it lists {', '.join(ids)})", fix)
            if i == 0:
                self._models_answer = [{k: m[k] for k in ("id", "owned_by", "max_model_len",
                                                          "root") if k in m} for m in listed]
                first = next((m for m in self._models_answer if m.get("id") == self.served), {})
        # the cache is keyed by the endpoint's identity: where it is served (the set of base
        # URLs, order-free) and what names the model. Two providers may serve different weights
        # under one name, so a cached answer never crosses to another server or replica set.
        self.transport.scope = "|".join([",".join(sorted(self.base_urls)), self.served,
                                         str(first.get("root") or ""),
                                         str(first.get("max_model_len") or "")])
        for i, url in enumerate(self.base_urls):
            probe = probe_endpoint(self.transport, self.served, url, self.opts.mode,
                                   self.opts.prefix_token, self.opts.tolerance,
                                   self.opts.top_logprobs, replica=i)
            if i == 0:
                self.probe = probe
            elif differs := _disagreement(self.probe, probe):
                raise ModelError(f"the replica at {url} disagrees with {self.base_urls[0]}: "
                                 f"{differs}", f"serve the same model the same way on every "
                                 f"replica, or drop {url} from --model")
        for cap, why in sorted(self.probe.refused.items()):
            if cap != Capability.GRADIENTS.value:
                log.warning("endpoint %s: no %s: %s", self.base_url, cap, why)
        return self

    @property
    def capabilities(self) -> frozenset[Capability]:
        return frozenset(self.probe.capabilities)

    def capability_hint(self, cap: Capability) -> str:
        """Why the probe dropped `cap` and what to use instead (the fix half of a refusal)."""
        why = self.probe.refused.get(cap.value, "not offered")
        return f"{cap.value} was refused by the capability probe ({why}); {_ALTERNATIVE[cap]}"

    def _need(self, cap: Capability) -> None:
        if cap not in self.probe.capabilities:
            offers = ", ".join(sorted(c.value for c in self.capabilities)) or "nothing"
            raise CapabilityError(f"the endpoint at {self.base_url} offers only {offers}",
                                  self.capability_hint(cap))

    @property
    def identity(self) -> ModelIdentity:
        extra = {"base_url": self.base_url, "served_model": self.served,
                 **({"base_urls": self.base_urls,
                     "replicas": [r.report() for r in self.transport.replicas]}
                    if len(self.base_urls) > 1 else {}),
                 "models": self._models_answer, "system_fingerprint": self._fingerprint,
                 "weights_hashed": False,
                 "note": "served model: the weights were not hashed",
                 "capabilities": sorted(c.value for c in self.capabilities),
                 "refused": dict(self.probe.refused), "probe": self.probe.checks,
                 "routes": self.probe.routes, "batched_prompts": self.probe.batch_ok,
                 "requests": self.transport.total.to_dict()}
        return ModelIdentity(name=self.served, path=self.base_url, sha256="", dtype="unknown",
                             device="remote", backend="openai", architecture="endpoint",
                             extra=extra)

    # -- log-likelihood ----------------------------------------------------------------------
    def loglikelihood(self, requests: Sequence[tuple[str, str]], *,
                      progress: Progress | None = None) -> list[Loglikelihood]:
        self._need(Capability.LOGLIKELIHOOD)
        prompts = []
        for context, continuation in requests:
            if self.probe.prefix is None and split_empty(context):
                raise ModelError(f"the endpoint at {self.base_url} does not say which token "
                                 "stands for an empty context (no /tokenizer_info)",
                                 "name the model's BOS token with --model-option prefix_token=TEXT")
            prompts.append(prompt_for(context, continuation, self.probe.prefix or ""))
        size = self.opts.batch_size if self.probe.batch_ok else 1
        groups = [list(range(i, min(i + size, len(prompts)))) for i in range(0, len(prompts), size)]
        bodies = [echo_body(self.served, [prompts[j][0] for j in g] if size > 1
                            else prompts[g[0]][0]) for g in groups]
        answers = self.transport.post_many("/completions", bodies, progress=progress,
                                           weights=[len(g) for g in groups])
        out: list[Loglikelihood] = [Loglikelihood(0.0, 0)] * len(prompts)
        for g, answer in zip(groups, answers):
            self._note(answer)
            choices = sorted(answer.get("choices") or [], key=lambda c: c.get("index", 0))
            if len(choices) != len(g):
                raise ModelError(f"the endpoint at {self.base_url} answered {len(choices)} "
                                 f"choices for {len(g)} prompts",
                                 "use --model-option batch_size=1")
            for j, choice in zip(g, choices):
                out[j] = score_choice(choice, prompts[j][0], prompts[j][1], self.base_url)
        return out

    def _note(self, answer: dict[str, Any]) -> None:
        if fp := answer.get("system_fingerprint"):
            self._fingerprint = str(fp)

    # -- generation ------------------------------------------------------------------------
    def generate(self, prompts: Sequence[str], config: GenerationConfig | None = None, *,
                 progress: Progress | None = None) -> list[str]:
        self._need(Capability.GENERATION)
        cfg = config or GenerationConfig()
        chat = self.probe.routes.get("generate_chat") and (
            cfg.chat or not self.probe.routes.get("generate_text"))
        common = {"model": self.served, "max_tokens": cfg.max_new_tokens,
                  "temperature": cfg.temperature, "top_p": cfg.top_p, "seed": cfg.seed}
        if chat:
            bodies = [{**common, "messages": [{"role": "user", "content": p}]} for p in prompts]
            answers = self.transport.post_many("/chat/completions", bodies, progress=progress)
            for a in answers:
                self._note(a)
            return [(a["choices"][0].get("message") or {}).get("content") or "" for a in answers]
        bodies = [{**common, "prompt": p} for p in prompts]
        answers = self.transport.post_many("/completions", bodies, progress=progress)
        for a in answers:
            self._note(a)
        return [a["choices"][0].get("text") or "" for a in answers]

    # -- choices ---------------------------------------------------------------------------
    def choice_logprobs(self, prompts: Sequence[str], choices: Sequence[Sequence[str]],
                        chat: bool = True, *, progress: Progress | None = None
                        ) -> list[list[float]]:
        """Chat: the log-prob of each option as the first token of the reply, read from
        `top_logprobs` (an option absent from them gets the most it could have: the smaller of
        the last listed value and the mass left over). Not chat: log-likelihoods."""
        if len(prompts) != len(choices):
            raise ValueError("prompts and choices must have the same length")
        if not chat:
            flat = self.loglikelihood([(p, c) for p, cs in zip(prompts, choices) for c in cs],
                                      progress=None)
            out, i = [], 0
            for cs in choices:
                out.append([float(x) for x in flat[i:i + len(cs)]])
                i += len(cs)
            if progress:
                progress(len(prompts))
            return out
        self._need(Capability.CHOICE_LOGPROBS)
        bodies = [{"model": self.served, "messages": [{"role": "user", "content": p}],
                   "max_tokens": 1, "temperature": 0, "logprobs": True,
                   "top_logprobs": self.opts.top_logprobs, "seed": 1234} for p in prompts]
        answers = self.transport.post_many("/chat/completions", bodies, progress=progress)
        return [_choice_values(a, cs) for a, cs in zip(answers, choices)]

    def close(self) -> None:
        """Stop the HTTP client and commit the cache (the model is not used after this)."""
        self._finalizer()

    def __repr__(self) -> str:
        return f"EndpointModel({self.base_url!r}, model={self.served!r})"


def _shutdown(transport: Transport, cache: ResponseCache | None) -> None:
    transport.close()
    if cache is not None:
        cache.close()


def _disagreement(want: ProbeResult, got: ProbeResult) -> str:
    """What a replica's probe found differently from the first replica's ("" when nothing)."""
    out = []
    for cap in sorted({c.value for c in want.capabilities ^ got.capabilities}):
        has = any(c.value == cap for c in got.capabilities)
        out.append(f"{cap} {'passes' if has else 'fails'} its probe"
                   + ("" if has else f" ({got.refused.get(cap, 'not offered')})"))
    for name, a, b in (("routes", want.routes, got.routes),
                       ("batched prompts", want.batch_ok, got.batch_ok),
                       ("empty-context prefix", want.prefix, got.prefix)):
        if a != b and not out:
            out.append(f"{name} {b!r} instead of {a!r}")
    return "; ".join(out)


def split_empty(context: str) -> bool:
    """True when a context is empty after lm-eval moves its trailing spaces (uses the prefix)."""
    return context.strip() == ""


def _choice_values(answer: dict[str, Any], options: Sequence[str]) -> list[float]:
    content = ((answer["choices"][0].get("logprobs") or {}).get("content") or [{}])
    tops = {t["token"]: float(t["logprob"]) for t in content[0].get("top_logprobs") or []}
    if not tops:
        raise ModelError("the endpoint returned no top_logprobs for a choice prompt",
                         "use a chat endpoint that returns top_logprobs, or local weights")
    rest = 1.0 - sum(math.exp(v) for v in tops.values())
    floor = min(min(tops.values()), math.log(rest) if rest > 1e-12 else -27.6)
    out = []
    for option in options:
        hits = [v for t, v in tops.items() if t and option.startswith(t) and len(t.strip())]
        exact = tops.get(option)
        out.append(exact if exact is not None else max(hits) if hits else floor)
    return out
