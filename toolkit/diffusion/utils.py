"""Small helpers shared by the whole of `toolkit.diffusion`.

* `append_dims` is the one broadcasting helper (k-diffusion's): a per-sample quantity of shape (B,)
  becomes (B, 1, 1, 1) beside an image batch and (B, 1, 1, 1, 1) beside a video batch. Nothing in
  this package writes `view(-1, 1, 1, 1)`, so every function serves both ranks.
* `randn_like` draws Gaussian noise from an optional torch.Generator, the same way diffusers'
  `randn_tensor` does, so that a sampler and a diffusers scheduler given equal generators see equal noise.
* `as_batch` turns a noise level given as a number, a 0-d tensor or a (B,) tensor into a (B,) tensor.
"""
import torch


def append_dims(x: torch.Tensor, target_dims: int) -> torch.Tensor:
    """Append trailing singleton axes to `x` until it has `target_dims` axes: (B,) -> (B, 1, ..., 1)."""
    missing = target_dims - x.ndim
    if missing < 0:
        raise ValueError(f"cannot broadcast a tensor of shape {tuple(x.shape)} to {target_dims} dims: "
                         f"it already has {x.ndim}")
    return x[(...,) + (None,) * missing]


def as_batch(value, x: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
    """A noise level or time as a (B,) tensor on x's device (of x's dtype unless given), B = x.shape[0]."""
    value = torch.as_tensor(value, dtype=dtype or x.dtype, device=x.device)
    if value.ndim == 0:
        return value.expand(x.shape[0])
    if value.shape != (x.shape[0],):
        raise ValueError(f"expected a number or a tensor of shape ({x.shape[0]},) for a batch of shape "
                         f"{tuple(x.shape)}, got shape {tuple(value.shape)}")
    return value


def randn_like(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Standard normal noise shaped like `x`, drawn on the generator's device, then moved to x's device."""
    device = generator.device if generator is not None else x.device
    return torch.randn(x.shape, generator=generator, dtype=x.dtype, device=device).to(x.device)


def check_choice(name: str, value: str, allowed) -> None:
    """Raise a ValueError naming the allowed values when `value` is not one of them."""
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(map(repr, allowed))}")
