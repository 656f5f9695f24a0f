"""``save`` / ``load`` of the ``NAO`` estimator (a mixin): ``nao.safetensors`` + ``nao.json`` through
``naoviz.nao.checkpoint``, each failure a ``CheckpointError`` naming the file and the mismatch.

Kept apart from ``estimator.py`` because reading a checkpoint back is its own job: rebuild the config and the
space from JSON, check them and the tensor shapes against the file, before any weights are allocated.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

from naoviz.errors import CheckpointError
from naoviz.nao import checkpoint
from naoviz.nao.config import NAOConfig
from naoviz.nao.targets import TargetScaler
from naoviz.spaces.base import SearchSpace

if TYPE_CHECKING:                                     # the estimator imports this module
    from naoviz.nao.estimator import NAO


class CheckpointIO:
    """Persistence of a fitted estimator; subclasses (``CostNAO``) extend ``_checkpoint_meta`` and
    ``_from_checkpoint`` with their own keys."""

    def save(self, directory) -> None:
        """Write ``nao.safetensors`` + ``nao.json`` into ``directory``."""
        self.check_fitted()
        checkpoint.write(directory, self.net_.state_dict(), self._checkpoint_meta())

    def _checkpoint_meta(self) -> dict:
        """What ``nao.json`` holds beside the format: config, space, target scaler, rounds (JSON only)."""
        return {"config": self.config.to_dict(), "space": checkpoint.space_spec(self.space),
                "scaler": self.scaler_.to_dict(), "rounds": self.rounds_}

    @classmethod
    def _from_checkpoint(cls, space, cfg, meta: dict, where) -> "NAO":
        """An unfitted estimator for a checkpoint's ``meta`` (a subclass reads its own keys; bad ones:
        ``CheckpointError`` naming ``where``)."""
        if "cost" in meta:
            columns = ", ".join(map(str, meta["cost"].get("columns", []))) if isinstance(meta["cost"], dict) else "?"
            raise CheckpointError(f"{where}: this checkpoint has cost heads ({columns}); load it with "
                                  "naoviz.nao.cost.CostNAO.load")
        return cls(space, cfg)

    @classmethod
    def load(cls, directory, space: Optional[SearchSpace] = None, device: Optional[str] = None) -> "NAO":
        """A fitted NAO from ``save``; ``CheckpointError`` naming the file and the mismatch if it cannot be.

        ``device`` overrides the saved one (e.g. load a GPU-trained model on a CPU-only machine)."""
        meta = checkpoint.read_meta(directory)
        where = Path(directory) / checkpoint.META
        try:
            cfg = NAOConfig.from_dict(meta["config"]).check_load_limits()
        except (ValueError, TypeError) as exc:
            raise CheckpointError(f"{where}: bad config ({str(exc)[:300]})") from exc
        if device is not None:
            cfg = cfg.replace(device=device)
        if space is None:
            from naoviz.spaces import get_space
            spec = meta["space"]
            try:
                space = get_space(spec["name"], **spec.get("options", {}))
            except (ValueError, TypeError, KeyError) as exc:
                raise CheckpointError(f"{where}: cannot rebuild space {str(spec)[:80]} ({str(exc)[:200]})") from exc
        nao = cls._from_checkpoint(space, cfg, meta, where)
        checkpoint.check_space(directory, meta, nao.space)
        try:
            nao.scaler_ = TargetScaler.from_dict(meta["scaler"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"{where}: bad scaler ({exc})") from exc
        # Shapes the config implies (built on the meta device) against the file's header, before allocating.
        checkpoint.check_header(Path(directory) / checkpoint.WEIGHTS,
                                checkpoint.expected_tensors(nao._module))
        model = nao._build()
        checkpoint.read_weights(directory, model)
        nao.net_, nao.rounds_ = model.eval(), int(meta.get("rounds", 1))
        return nao
