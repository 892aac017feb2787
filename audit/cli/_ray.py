"""The `--ray` flags of `assay audit` (and of `schedule -- audit …`): a data-parallel model pool."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from audit.errors import UsageError

__all__ = ["RAY_HELP", "RayOption", "RayTimeoutOption", "ReplicaCpusOption", "ReplicaGpusOption",
           "ReplicasOption", "open_audit_model", "pool_config", "pool_from_audit_args"]

RAY_HELP = ("Run the model as data-parallel replicas on a Ray cluster: auto (the cluster "
            "`ray start` runs on this machine), local (a private one in this process), or "
            "HOST:PORT / ray://HOST:PORT. Needs pip install 'assay[ray]'.")


# typer options for `assay audit`'s signature (schedule parses audit's own flags after --)
RayOption = typer.Option(None, "--ray", help=RAY_HELP)
ReplicasOption = typer.Option(2, "--replicas", min=1, help="Model replicas (with --ray).")
ReplicaCpusOption = typer.Option(1.0, "--replica-cpus",
                                 help="CPUs per replica, also its torch threads (with --ray).")
ReplicaGpusOption = typer.Option(0.0, "--replica-gpus", help="GPUs per replica (with --ray).")
RayTimeoutOption = typer.Option(60.0, "--ray-timeout",
                                help="Seconds to place every replica before giving up, saying "
                                     "what the cluster lacks (with --ray).")


def pool_config(ray: str | None, replicas: int = 2, replica_cpus: float = 1.0,
                replica_gpus: float = 0.0, ray_timeout: float = 60.0) -> Any:
    """A PoolConfig for `--ray`, or None without it; a missing Ray fails here, before any work."""
    if ray is None:
        if (replicas, replica_cpus, replica_gpus) != (2, 1.0, 0.0):
            raise UsageError("--replicas, --replica-cpus and --replica-gpus need --ray",
                             "add --ray auto (or --ray HOST:PORT), or drop them")
        return None
    from audit.model._pool_ray import import_ray
    from audit.model.pool import PoolConfig

    import_ray()
    return PoolConfig(address=ray.strip(), replicas=replicas, replica_cpus=replica_cpus,
                      replica_gpus=replica_gpus, placement_timeout=ray_timeout)


def open_audit_model(spec: str, options: dict[str, Any], pool: Any,
                     on_event: Callable[[str], None], show_status: bool = True) -> Any:
    """The audit's model: one in this process, or a Ray pool of replicas when `pool` is set."""
    if pool is None:
        from audit.cli._model import open_cli_model

        return open_cli_model(spec, options)
    from audit.model.pool import PoolModel

    return PoolModel.open(spec, pool=pool, on_event=on_event,
                          on_status=on_event if show_status else (lambda _line: None),
                          **options)


def pool_from_audit_args(args: list[str]) -> Any:
    """The PoolConfig of `schedule -- audit …` arguments (None without --ray)."""
    from typer.main import get_command

    from audit.cli import app

    cmd = get_command(app).commands["audit"]  # type: ignore[attr-defined]
    p = cmd.make_context("audit", list(args[1:])).params  # bad flags: already refused
    return pool_config(p["ray"], p["replicas"], p["replica_cpus"], p["replica_gpus"],
                       p["ray_timeout"])
