"""The ε-network: a U-Net that is config- and weight-compatible with diffusers' `UNet2DModel`.

It is the architecture of Ho et al. 2020 (Appendix B), as the `google/ddpm-*` checkpoints use it:

    x_t ──conv_in──► down blocks ──► mid block ──► up blocks ──norm, SiLU, conv_out──► ε̂
                      │ (ResNet [+ attention]) × L, then a strided conv      ▲
                      └──────────── every intermediate map is a skip ───────┘ (concatenated on the way up)

and the timestep t enters every ResNet block as a learned projection of its sinusoidal embedding.

Module and parameter names follow diffusers exactly (`down_blocks.0.resnets.0.norm1.weight`, `…attentions.0.to_q…`),
so `UNet.load_state_dict(diffusers_model.state_dict())` works in both directions; `UNetConfig` reads and writes
the same `config.json` keys. Only the features the DDPM checkpoints need are implemented; `UNetConfig` refuses
the rest with a `DDPMError` that names the field.
"""

import math
import re
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ddpm.checks import flag, real, short, whole
from ddpm.errors import DDPMError

# Block names as diffusers spells them in config.json → whether the block has self-attention after each ResNet.
DOWN_BLOCKS = {"DownBlock2D": False, "AttnDownBlock2D": True}
UP_BLOCKS = {"UpBlock2D": False, "AttnUpBlock2D": True}
ACTIVATIONS = {"silu": nn.SiLU, "swish": nn.SiLU, "mish": nn.Mish, "gelu": nn.GELU, "relu": nn.ReLU}

# diffusers config keys for features we do not implement, with the only value we accept.
_UNSUPPORTED_FEATURES = {
    "class_embed_type": (None, "class conditioning is not implemented"),
    "num_class_embeds": (None, "class conditioning is not implemented"),
}
# diffusers config keys that have no effect on the features we implement.
_IGNORED_KEYS = {"num_train_timesteps"}  # only read by time_embedding_type="learned", which we refuse


MAX_CHANNELS = (1, 4096)  # per block; the cost check (``UNetCost``) bounds the whole network
MAX_SAMPLE_SIZE = (1, 2048)


@dataclass(frozen=True)
class _Rule:
    kind: type  # int, float, bool or str
    low: float | None = None
    high: float | None = None
    optional: bool = False  # None allowed

    def says(self) -> str:
        if self.kind in (bool, str):
            return f"it must be {'true or false' if self.kind is bool else 'a string'}"
        number = "a whole number" if self.kind is int else "a number"
        return f"it must be {number} from {self.low:g} to {self.high:g}" + (" or null" if self.optional else "")


_FIELD_RULES = {  # the scalar fields of UNetConfig; the lists and sample_size are checked beside them
    "in_channels": _Rule(int, 1, 64),
    "out_channels": _Rule(int, 1, 64),
    "center_input_sample": _Rule(bool),
    "time_embedding_type": _Rule(str),
    "time_embedding_dim": _Rule(int, 1, 16384, optional=True),
    "freq_shift": _Rule(int, -16, 16),
    "flip_sin_to_cos": _Rule(bool),
    "mid_block_type": _Rule(str, optional=True),
    "layers_per_block": _Rule(int, 1, 8),
    "mid_block_scale_factor": _Rule(float, -1e3, 1e3),
    "downsample_padding": _Rule(int, 0, 8),
    "downsample_type": _Rule(str),
    "upsample_type": _Rule(str),
    "dropout": _Rule(float, 0, 1),
    "act_fn": _Rule(str),
    "attention_head_dim": _Rule(int, 1, 4096, optional=True),
    "norm_num_groups": _Rule(int, 1, 4096),
    "attn_norm_num_groups": _Rule(int, 1, 4096, optional=True),
    "norm_eps": _Rule(float, 1e-12, 1),
    "resnet_time_scale_shift": _Rule(str),
    "add_attention": _Rule(bool),
}


def _is_whole_in(value, low: int, high: int) -> bool:
    try:
        whole(value, "", low, high)
    except DDPMError:
        return False
    return True


@dataclass
class UNetConfig:
    """Hyper-parameters of the U-Net; field names and defaults are those of diffusers' `UNet2DModel`."""

    sample_size: int | tuple[int, int] = 32
    in_channels: int = 3
    out_channels: int = 3
    center_input_sample: bool = False
    time_embedding_type: str = "positional"
    time_embedding_dim: int | None = None  # None → 4 × block_out_channels[0]
    freq_shift: int = 0
    flip_sin_to_cos: bool = True
    down_block_types: tuple[str, ...] = ("DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D")
    mid_block_type: str | None = "UNetMidBlock2D"
    up_block_types: tuple[str, ...] = ("AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D")
    block_out_channels: tuple[int, ...] = (224, 448, 672, 896)
    layers_per_block: int = 2
    mid_block_scale_factor: float = 1.0
    downsample_padding: int = 1
    downsample_type: str = "conv"
    upsample_type: str = "conv"
    dropout: float = 0.0
    act_fn: str = "silu"
    attention_head_dim: int | None = 8  # channels per head; None → one head as wide as the block
    norm_num_groups: int = 32
    attn_norm_num_groups: int | None = None  # mid-block attention only; None → norm_num_groups
    norm_eps: float = 1e-5
    resnet_time_scale_shift: str = "default"
    add_attention: bool = True  # mid-block attention only

    def __post_init__(self):
        self._check_types()
        for name in ("down_block_types", "up_block_types", "block_out_channels"):
            setattr(self, name, tuple(getattr(self, name)))
        if isinstance(self.sample_size, list):  # JSON has no tuples
            self.sample_size = tuple(self.sample_size)
        self._validate()

    def _check_types(self):
        """Every field's type and range, before anything is derived from it (a config.json may hold anything)."""

        def refuse(field: str, why: str):
            raise DDPMError(f"Unsupported UNet config: {field}={short(getattr(self, field))} ({why}).")

        for field, rule in _FIELD_RULES.items():
            value = getattr(self, field)
            if value is None and rule.optional:
                continue
            try:
                if rule.kind is bool:
                    flag(value, field)
                elif rule.kind is str:
                    if not isinstance(value, str):
                        raise DDPMError(field)
                elif rule.kind is float:
                    real(value, field, rule.low, rule.high)
                else:
                    whole(value, field, rule.low, rule.high)
            except DDPMError:
                refuse(field, rule.says())
        for field, kind, (low, high) in (
            ("block_out_channels", int, MAX_CHANNELS),
            ("down_block_types", str, (None, None)),
            ("up_block_types", str, (None, None)),
        ):
            items = getattr(self, field)
            if isinstance(items, (str, bytes)) or not isinstance(items, (list, tuple)) or not 1 <= len(items) <= 8:
                refuse(field, "it must be a list of 1 to 8 entries")
            for item in items:
                ok = isinstance(item, str) if kind is str else _is_whole_in(item, low, high)
                if not ok:
                    refuse(field, f"every entry must be {'a block name' if kind is str else f'from {low} to {high}'}")
        sizes = list(self.sample_size) if isinstance(self.sample_size, (list, tuple)) else [self.sample_size]
        if not 1 <= len(sizes) <= 2 or not all(_is_whole_in(size, *MAX_SAMPLE_SIZE) for size in sizes):
            refuse(
                "sample_size",
                f"it must be a whole number from {MAX_SAMPLE_SIZE[0]} to {MAX_SAMPLE_SIZE[1]}, or a pair of them",
            )

    def _validate(self):
        def refuse(field: str, why: str):
            raise DDPMError(f"Unsupported UNet config: {field}={getattr(self, field)!r} ({why}).")

        supported_values = {
            "time_embedding_type": ("positional",),
            "resnet_time_scale_shift": ("default",),
            "downsample_type": ("conv",),
            "upsample_type": ("conv",),
            "mid_block_type": ("UNetMidBlock2D", None),
            "act_fn": tuple(ACTIVATIONS),
        }
        for field, allowed in supported_values.items():
            if getattr(self, field) not in allowed:
                refuse(field, f"supported: {', '.join(map(repr, allowed))}")
        for field, known in (("down_block_types", DOWN_BLOCKS), ("up_block_types", UP_BLOCKS)):
            unknown = [name for name in getattr(self, field) if name not in known]
            if unknown:
                refuse(field, f"{unknown[0]} is not implemented; supported blocks: {', '.join(known)}")
        levels = len(self.block_out_channels)
        if levels == 0 or len(self.down_block_types) != levels or len(self.up_block_types) != levels:
            refuse("block_out_channels", "down_block_types, up_block_types and block_out_channels need equal lengths")
        if self.out_channels != self.in_channels:
            refuse("out_channels", f"the network must predict ε only, so it must equal in_channels={self.in_channels}")
        if any(channels % self.norm_num_groups for channels in self.block_out_channels):
            refuse("norm_num_groups", f"it must divide every entry of block_out_channels {self.block_out_channels}")
        if self.attention_head_dim is not None:
            for channels in sorted(self._attention_widths()):
                if channels % self.attention_head_dim:
                    refuse("attention_head_dim", f"it must divide the width {channels} of every attention block")

    def _attention_widths(self) -> set[int]:
        """Channel counts of all attention blocks the network will build."""
        widths = {
            ch for ch, name in zip(self.block_out_channels, self.down_block_types, strict=True) if DOWN_BLOCKS[name]
        }
        reversed_channels = self.block_out_channels[::-1]
        widths |= {ch for ch, name in zip(reversed_channels, self.up_block_types, strict=True) if UP_BLOCKS[name]}
        if self.mid_block_type is not None and self.add_attention:
            widths.add(self.block_out_channels[-1])
        return widths

    @classmethod
    def from_dict(cls, d: dict) -> "UNetConfig":
        """Read a diffusers `config.json` dict of a `UNet2DModel`; unsupported features raise `DDPMError`."""
        class_name = d.get("_class_name", "UNet2DModel")
        if class_name != "UNet2DModel":
            raise DDPMError(f"Unsupported UNet config: _class_name={class_name!r} (only UNet2DModel is supported).")
        for key, (allowed, why) in _UNSUPPORTED_FEATURES.items():
            if d.get(key, allowed) != allowed:
                raise DDPMError(f"Unsupported UNet config: {key}={d[key]!r} ({why}).")
        known = {f.name for f in fields(cls)}
        unknown = sorted(k for k in d if k not in known | _IGNORED_KEYS | set(_UNSUPPORTED_FEATURES))
        unknown = [k for k in unknown if not k.startswith("_")]
        if unknown:
            warnings.warn(f"Ignoring UNet config keys this implementation does not know: {unknown}", stacklevel=2)
        return cls(**{k: v for k, v in d.items() if k in known})

    def to_dict(self) -> dict:
        """A `config.json` dict that `diffusers.UNet2DModel.from_config` builds the same network from."""
        d = {"_class_name": "UNet2DModel"}
        for key, value in asdict(self).items():
            d[key] = list(value) if isinstance(value, tuple) else value
        return d


@dataclass(frozen=True)
class UNetCost:
    """What the network of a config costs, known before it is built.

    ``parameters`` is exact: the network is built on PyTorch's "meta" device, which records shapes and allocates
    nothing. ``activation_bytes`` estimates float32 activations of one image's forward: the skips kept for the way
    up, a few maps of the widest level being worked on, and the largest attention score matrix (heads × (HW)²).
    """

    parameters: int
    activation_bytes: int  # per image

    @property
    def weight_bytes(self) -> int:
        return 4 * self.parameters  # float32

    @classmethod
    def of(cls, config: UNetConfig) -> "UNetCost":
        with torch.device("meta"):
            parameters = sum(p.numel() for p in UNet(config).parameters())
        H, W = config.sample_size if isinstance(config.sample_size, tuple) else (config.sample_size,) * 2
        if len(config.sample_size if isinstance(config.sample_size, tuple) else ()) == 1:
            W = H
        levels = len(config.block_out_channels)
        pixels = [(H >> i) * (W >> i) for i in range(levels)]
        maps = [c * p for c, p in zip(config.block_out_channels, pixels, strict=True)]
        skips = (
            maps[0]
            + config.layers_per_block * sum(maps)
            + sum(c * p for c, p in zip(config.block_out_channels[:-1], pixels[1:], strict=False))
        )
        attention = 0
        for level, with_attention in enumerate(DOWN_BLOCKS[name] for name in config.down_block_types):
            if with_attention or (level == levels - 1 and config.mid_block_type and config.add_attention):
                width = config.block_out_channels[level]
                heads = width // config.attention_head_dim if config.attention_head_dim else 1
                attention = max(attention, 2 * heads * pixels[level] ** 2)  # scores and their softmax
        return cls(parameters, 4 * (skips + 6 * max(maps) + attention))


def convert_legacy_keys(state_dict: dict) -> dict:
    """Rename old diffusers attention weights (query/key/value/proj_attn) to today's names; returns a new dict."""
    legacy = re.compile(r"^(.*\.attentions\.\d+)\.(query|key|value|proj_attn)\.(weight|bias)$")
    new_names = {"query": "to_q", "key": "to_k", "value": "to_v", "proj_attn": "to_out.0"}
    converted = {}
    for key, value in state_dict.items():
        match = legacy.match(key)
        if match:
            prefix, old, kind = match.groups()
            key = f"{prefix}.{new_names[old]}.{kind}"
        converted[key] = value
    return converted


class SinusoidalEmbedding(nn.Module):
    """The Transformer's sinusoidal position code, used by Ho et al. (App. B) to tell the network the timestep.

    t ↦ [sin(t·ω_k), cos(t·ω_k)] for k < dim/2, with ω_k = 10000^(-k / (dim/2 - freq_shift));
    flip_sin_to_cos puts the cosines first. It has no weights.
    """

    def __init__(self, dim: int, flip_sin_to_cos: bool, freq_shift: int):
        super().__init__()
        self.dim, self.flip_sin_to_cos, self.freq_shift = dim, flip_sin_to_cos, freq_shift

    def forward(self, t: Tensor) -> Tensor:
        half = self.dim // 2
        exponent = -math.log(10000) * torch.arange(half, dtype=torch.float32, device=t.device)
        frequencies = torch.exp(exponent / (half - self.freq_shift))  # (half,)
        angles = t.float()[:, None] * frequencies[None, :]  # (B, half)
        sin, cos = torch.sin(angles), torch.cos(angles)
        emb = torch.cat([cos, sin] if self.flip_sin_to_cos else [sin, cos], dim=-1)  # (B, 2·half)
        return F.pad(emb, (0, self.dim % 2))  # (B, dim)


class TimestepMLP(nn.Module):
    """The learned part of the time embedding: Linear → SiLU → Linear."""

    def __init__(self, in_dim: int, dim: int):
        super().__init__()
        self.linear_1 = nn.Linear(in_dim, dim)
        self.act = nn.SiLU()
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, emb: Tensor) -> Tensor:
        return self.linear_2(self.act(self.linear_1(emb)))


class ResnetBlock(nn.Module):
    """GroupNorm → act → conv, add the projected time embedding, GroupNorm → act → dropout → conv, plus the skip."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        temb_dim: int,
        groups: int,
        eps: float,
        act_fn: str,
        dropout: float,
        output_scale_factor: float = 1.0,
    ):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_channels, eps=eps)
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)
        self.time_emb_proj = nn.Linear(temb_dim, out_channels)
        self.norm2 = nn.GroupNorm(groups, out_channels, eps=eps)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.nonlinearity = ACTIVATIONS[act_fn]()
        # A 1×1 conv makes the skip path match when the block changes the channel count.
        self.conv_shortcut = (
            nn.Conv2d(in_channels, out_channels, kernel_size=1) if in_channels != out_channels else None
        )
        self.output_scale_factor = output_scale_factor

    def forward(self, x: Tensor, temb: Tensor) -> Tensor:
        h = self.conv1(self.nonlinearity(self.norm1(x)))  # (B, C_out, H, W)
        h = h + self.time_emb_proj(self.nonlinearity(temb))[:, :, None, None]  # time enters as a per-channel shift
        h = self.conv2(self.dropout(self.nonlinearity(self.norm2(h))))
        skip = x if self.conv_shortcut is None else self.conv_shortcut(x)
        return (skip + h) / self.output_scale_factor


class AttentionBlock(nn.Module):
    """Self-attention over the H·W positions of a feature map, with a residual connection."""

    def __init__(self, channels: int, *, head_dim: int | None, groups: int, eps: float, rescale: float = 1.0):
        super().__init__()
        self.heads = 1 if head_dim is None else channels // head_dim
        self.group_norm = nn.GroupNorm(groups, channels, eps=eps)
        self.to_q = nn.Linear(channels, channels)
        self.to_k = nn.Linear(channels, channels)
        self.to_v = nn.Linear(channels, channels)
        self.to_out = nn.ModuleList([nn.Linear(channels, channels)])  # a list only so the name is diffusers' to_out.0
        self.rescale = rescale

    def forward(self, x: Tensor) -> Tensor:
        B, C, H, W = x.shape
        tokens = self.group_norm(x).reshape(B, C, H * W).transpose(1, 2)  # (B, HW, C)

        def split_heads(t: Tensor) -> Tensor:
            return t.reshape(B, H * W, self.heads, C // self.heads).transpose(1, 2)  # (B, heads, HW, C/heads)

        q, k, v = (split_heads(proj(tokens)) for proj in (self.to_q, self.to_k, self.to_v))
        out = F.scaled_dot_product_attention(q, k, v)  # softmax(q kᵀ / √d) v, (B, heads, HW, C/heads)
        out = self.to_out[0](out.transpose(1, 2).reshape(B, H * W, C))  # (B, HW, C)
        out = out.transpose(1, 2).reshape(B, C, H, W)
        return (x + out) / self.rescale


class Downsample(nn.Module):
    """Halve H and W with a stride-2 3×3 conv; padding 0 pads only right and bottom, like the TF original."""

    def __init__(self, channels: int, padding: int):
        super().__init__()
        self.padding = padding
        self.conv = nn.Conv2d(channels, channels, kernel_size=3, stride=2, padding=padding)

    def forward(self, x: Tensor) -> Tensor:
        if self.padding == 0:
            x = F.pad(x, (0, 1, 0, 1))
        return self.conv(x)  # (B, C, H/2, W/2)


class Upsample(nn.Module):
    """Double H and W by nearest-neighbour repetition, then a 3×3 conv."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))  # (B, C, 2H, 2W)


class DownBlock(nn.Module):
    """One resolution level on the way down: ResNet blocks (each optionally followed by attention), then Downsample.

    Returns the output and every intermediate map, which the up path consumes as skip connections.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        num_layers: int,
        with_attention: bool,
        add_downsample: bool,
        downsample_padding: int,
        resnet: Callable[..., ResnetBlock],
        attention: Callable[..., AttentionBlock],
    ):
        super().__init__()
        self.attentions = nn.ModuleList(attention(out_channels) for _ in range(num_layers)) if with_attention else None
        self.resnets = nn.ModuleList(
            resnet(in_channels if i == 0 else out_channels, out_channels) for i in range(num_layers)
        )
        # (diffusers keeps the single Downsample in a list; the list index is part of the weight names)
        self.downsamplers = nn.ModuleList([Downsample(out_channels, downsample_padding)]) if add_downsample else None

    def forward(self, x: Tensor, temb: Tensor) -> tuple[Tensor, list[Tensor]]:
        skips = []
        for i, resnet in enumerate(self.resnets):
            x = resnet(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x)
            skips.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            skips.append(x)
        return x, skips


class MidBlock(nn.Module):
    """At the lowest resolution: ResNet → attention → ResNet."""

    def __init__(
        self,
        channels: int,
        *,
        with_attention: bool,
        resnet: Callable[..., ResnetBlock],
        attention: Callable[..., AttentionBlock],
    ):
        super().__init__()
        self.attentions = nn.ModuleList([attention(channels)] if with_attention else [])
        self.resnets = nn.ModuleList([resnet(channels, channels), resnet(channels, channels)])

    def forward(self, x: Tensor, temb: Tensor) -> Tensor:
        x = self.resnets[0](x, temb)
        for attention in self.attentions:
            x = attention(x)
        return self.resnets[1](x, temb)


class UpBlock(nn.Module):
    """One resolution level on the way up: each ResNet block first concatenates one skip map from the down path."""

    def __init__(
        self,
        in_channels: int,
        skip_channels: list[int],
        out_channels: int,
        *,
        with_attention: bool,
        add_upsample: bool,
        resnet: Callable[..., ResnetBlock],
        attention: Callable[..., AttentionBlock],
    ):
        super().__init__()
        self.attentions = nn.ModuleList(attention(out_channels) for _ in skip_channels) if with_attention else None
        self.resnets = nn.ModuleList(
            resnet((in_channels if i == 0 else out_channels) + skip, out_channels)
            for i, skip in enumerate(skip_channels)
        )
        self.upsamplers = nn.ModuleList([Upsample(out_channels)]) if add_upsample else None

    def forward(self, x: Tensor, skips: list[Tensor], temb: Tensor) -> Tensor:
        for i, resnet in enumerate(self.resnets):
            x = resnet(torch.cat([x, skips.pop()], dim=1), temb)  # (B, C + C_skip, H, W) → (B, C_out, H, W)
            if self.attentions is not None:
                x = self.attentions[i](x)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class UNet(nn.Module):
    """ε_θ(x_t, t): predicts the noise in x_t at timestep t (Ho et al. 2020, Eq. 14's network).

    Submodules are created in the order diffusers creates them (attentions before resnets, up blocks before the mid
    block), so `state_dict()` lists the same keys in the same order as `UNet2DModel.state_dict()`.
    """

    def __init__(self, config: UNetConfig):
        super().__init__()
        self.config = config
        channels = config.block_out_channels
        temb_dim = config.time_embedding_dim or 4 * channels[0]
        groups, eps = config.norm_num_groups, config.norm_eps
        resnet = partial(
            ResnetBlock, temb_dim=temb_dim, groups=groups, eps=eps, act_fn=config.act_fn, dropout=config.dropout
        )
        attention = partial(AttentionBlock, head_dim=config.attention_head_dim, groups=groups, eps=eps)

        self.conv_in = nn.Conv2d(config.in_channels, channels[0], kernel_size=3, padding=1)
        self.time_proj = SinusoidalEmbedding(channels[0], config.flip_sin_to_cos, config.freq_shift)
        self.time_embedding = TimestepMLP(channels[0], temb_dim)

        self.down_blocks, skip_channels = self._down_path(resnet, attention)
        self.up_blocks = self._up_path(skip_channels, resnet, attention)

        self.mid_block = None
        if config.mid_block_type is not None:
            scale = config.mid_block_scale_factor
            self.mid_block = MidBlock(
                channels[-1],
                with_attention=config.add_attention,
                resnet=partial(resnet, output_scale_factor=scale),
                attention=partial(attention, groups=config.attn_norm_num_groups or groups, rescale=scale),
            )

        self.conv_norm_out = nn.GroupNorm(groups, channels[0], eps=eps)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(channels[0], config.out_channels, kernel_size=3, padding=1)

    def _down_path(self, resnet, attention) -> tuple[nn.ModuleList, list[int]]:
        """The down blocks, and the width of every map they push as a skip (the up path pops them in reverse)."""
        config, channels = self.config, self.config.block_out_channels
        skip_channels = [channels[0]]
        blocks = nn.ModuleList()
        in_ch = channels[0]
        for level, (out_ch, block_type) in enumerate(zip(channels, config.down_block_types, strict=True)):
            is_lowest = level == len(channels) - 1
            blocks.append(
                DownBlock(
                    in_ch,
                    out_ch,
                    num_layers=config.layers_per_block,
                    with_attention=DOWN_BLOCKS[block_type],
                    add_downsample=not is_lowest,
                    downsample_padding=config.downsample_padding,
                    resnet=resnet,
                    attention=attention,
                )
            )
            skip_channels += [out_ch] * (config.layers_per_block + (0 if is_lowest else 1))
            in_ch = out_ch
        return blocks, skip_channels

    def _up_path(self, skip_channels: list[int], resnet, attention) -> nn.ModuleList:
        """Each level takes layers_per_block + 1 skips, so it also consumes the Downsample output of the level below."""
        config, channels = self.config, self.config.block_out_channels
        blocks = nn.ModuleList()
        in_ch = channels[-1]
        for level, (out_ch, block_type) in enumerate(zip(channels[::-1], config.up_block_types, strict=True)):
            level_skips = [skip_channels.pop() for _ in range(config.layers_per_block + 1)]
            blocks.append(
                UpBlock(
                    in_ch,
                    level_skips,
                    out_ch,
                    with_attention=UP_BLOCKS[block_type],
                    add_upsample=level < len(channels) - 1,
                    resnet=resnet,
                    attention=attention,
                )
            )
            in_ch = out_ch
        return blocks

    def forward(self, x_t: Tensor, t: Tensor | int) -> Tensor:
        B = x_t.shape[0]
        t = torch.as_tensor(t, device=x_t.device)
        if t.numel() == 1:
            t = t.reshape(()).expand(B)
        if t.shape != (B,):
            raise DDPMError(f"The timestep must be a single value or have shape ({B},), got {tuple(t.shape)}.")
        return self.from_time_code(x_t, self.time_proj(t))

    def from_time_code(self, x_t: Tensor, time_code: Tensor) -> Tensor:
        """ε_θ given the timestep's sinusoidal code (B, dim) instead of t: an engine that computes in bfloat16 takes
        the code from here in float32, since t·ω_k rounded to bfloat16 (t = 747 becomes 748) scrambles sin and cos."""
        if self.config.center_input_sample:
            x_t = 2 * x_t - 1.0

        temb = self.time_embedding(time_code.to(self.conv_in.weight.dtype))  # (B, temb_dim)

        h = self.conv_in(x_t)  # (B, C0, H, W)
        skips = [h]
        for block in self.down_blocks:
            h, block_skips = block(h, temb)
            skips += block_skips
        if self.mid_block is not None:
            h = self.mid_block(h, temb)  # (B, C_last, H / 2^(levels-1), W / 2^(levels-1))
        for block in self.up_blocks:
            h = block(h, skips, temb)
        return self.conv_out(self.conv_act(self.conv_norm_out(h)))  # (B, out_channels, H, W)
