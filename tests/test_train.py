"""train.py: a tiny run end to end, exact resume, image folders, the Hub upload, real DDP, bad inputs.

Every run uses a really small UNet (16×16, two levels) so that a handful of steps takes a second or two.
"""

import csv
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

import train
from ddpm import DDPMError, load_pipeline
from ddpm.images import to_uint8
from ddpm.memorisation import TRAINING_SET_FILE, TrainingSet
from training.data import ImageFolder, all_images

ROOT = Path(__file__).resolve().parent.parent
CIFAR10_CONFIG = ROOT / "tests" / "fixtures" / "configs" / "ddpm-cifar10-32.json"
MICRO_CONFIG = {
    "sample_size": 16,
    "in_channels": 1,
    "out_channels": 1,
    "block_out_channels": [8, 16],
    "layers_per_block": 1,
    "down_block_types": ["DownBlock2D", "AttnDownBlock2D"],
    "up_block_types": ["AttnUpBlock2D", "UpBlock2D"],
    "norm_num_groups": 4,
    "attention_head_dim": None,
}


def micro_args(tmp_path: Path, out: Path, *extra: str, channels: int = 1, steps: int = 4) -> list[str]:
    config = tmp_path / f"micro_{channels}.json"
    config.write_text(json.dumps({**MICRO_CONFIG, "in_channels": channels, "out_channels": channels}))
    return [
        "--model-config",
        str(config),
        "--channels",
        str(channels),
        "--image-size",
        "16",
        "--batch-size",
        "8",
        "--steps",
        str(steps),
        "--save-every",
        str(steps),
        "--warmup",
        "2",
        "--grid-steps",
        "2",
        "--out",
        str(out),
        *extra,
    ]


def image_folder(root: Path, count: int = 20) -> Path:
    """``count`` small random grayscale PNGs, some in a nested subfolder."""
    rng = np.random.default_rng(0)
    for i in range(count):
        folder = root / "nested" / "deeper" if i % 3 == 0 else root
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (20, 20), dtype=np.uint8), "L").save(folder / f"{i:02d}.png")
    return root


def read_rows(path: Path) -> list[dict]:
    with path.open() as f:
        return list(csv.DictReader(f))


# ------------------------------------------------------------------------------------------------- one tiny run
def test_tiny_run_writes_state_logs_grids_and_a_pipeline_diffusers_loads(tmp_path):
    from diffusers import DDPMPipeline
    from huggingface_hub import metadata_load

    out = tmp_path / "out"
    argv = micro_args(tmp_path, out, steps=4)
    assert train.main(argv) == 0

    state = torch.load(out / "state.pt", weights_only=True)
    assert state["step"] == 4
    rows = read_rows(out / "loss.csv")
    assert list(rows[0]) == ["step", "loss", "lr", "grad_norm", "seconds"]
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
    assert all(0 < float(r["loss"]) < 10 for r in rows)
    assert Image.open(out / "loss.png").format == "PNG"
    assert Image.open(out / "samples_0000004.png").size == (8 * 18 + 2, 8 * 18 + 2)  # 64 images of 16 px, 2 px gaps

    folder = out / "pipeline"
    saved = load_file(folder / "unet" / "diffusion_pytorch_model.safetensors")
    ema = {k.removeprefix("module."): v for k, v in state["ema"].items() if k.startswith("module.")}
    assert saved.keys() == ema.keys() and all(torch.equal(saved[k], ema[k]) for k in saved)  # the EMA weights

    ours = load_pipeline(folder).sample(batch_size=2, sampler="ddpm", num_steps=50, seed=7)
    with torch.inference_mode():
        theirs = DDPMPipeline.from_pretrained(folder)(
            batch_size=2, generator=torch.Generator().manual_seed(7), num_inference_steps=50, output_type="np"
        ).images
    assert ours.shape == theirs.shape == (2, 16, 16, 1)
    assert np.abs(ours.astype(int) - np.round(theirs * 255).astype(int)).max() <= 1

    card = (folder / "README.md").read_text()
    meta = metadata_load(folder / "README.md")
    assert meta["library_name"] == "diffusers" and "unconditional-image-generation" in meta["tags"]
    assert "python train.py " + " ".join(argv) in card
    assert "![samples](samples.png)" in card and (folder / "samples.png").is_file()


# ------------------------------------------------------------------------------------------------------- resume
@pytest.mark.parametrize(
    ("crash_at", "grad_accum"), [(3, 1), (4, 1), (2, 2)], ids=["epoch-end", "mid-epoch", "grad-accum"]
)
def test_resume_after_a_crash_continues_exactly(tmp_path, monkeypatch, crash_at, grad_accum):
    """20 images in batches of 6 → 3 batches an epoch, so the runs cross epochs and stop inside and at their ends."""
    data = image_folder(tmp_path / "data")

    def argv(out, *extra):
        return micro_args(
            tmp_path,
            out,
            "--data",
            str(data),
            "--batch-size",
            "6",
            "--grad-accum",
            str(grad_accum),
            "--save-every",
            str(crash_at),
            *extra,
            steps=6,
        )

    assert train.main(argv(tmp_path / "whole")) == 0

    class Crash(Exception):
        pass

    save_checkpoint = train.save_checkpoint

    def save_then_crash(run):
        save_checkpoint(run)
        if torch.load(run.out / "state.pt", weights_only=True)["step"] == crash_at:
            raise Crash

    monkeypatch.setattr(train, "save_checkpoint", save_then_crash)
    with pytest.raises(Crash):
        train.main(argv(tmp_path / "resumed"))
    monkeypatch.undo()
    assert torch.load(tmp_path / "resumed" / "state.pt", weights_only=True)["step"] == crash_at
    assert train.main(argv(tmp_path / "resumed", "--resume")) == 0

    whole = torch.load(tmp_path / "whole" / "state.pt", weights_only=True)
    resumed = torch.load(tmp_path / "resumed" / "state.pt", weights_only=True)
    assert resumed["step"] == whole["step"] == 6 and resumed["epoch"] == whole["epoch"]
    assert torch.equal(resumed["generator"], whole["generator"])
    for part in ("unet", "ema"):
        assert all(torch.equal(resumed[part][k], whole[part][k]) for k in whole[part]), part
    moments = [(s["exp_avg"], s["exp_avg_sq"]) for s in whole["optimizer"]["state"].values()]
    resumed_moments = [(s["exp_avg"], s["exp_avg_sq"]) for s in resumed["optimizer"]["state"].values()]
    assert all(
        torch.equal(a, b)
        for pair, other in zip(moments, resumed_moments, strict=True)
        for a, b in zip(pair, other, strict=True)
    )
    losses = [[r["loss"] for r in read_rows(tmp_path / run / "loss.csv")] for run in ("whole", "resumed")]
    assert losses[0] == losses[1] and len(losses[0]) == 6


def test_resume_extends_a_finished_run(tmp_path):
    out = tmp_path / "out"
    assert train.main(micro_args(tmp_path, out, steps=2)) == 0
    assert train.main(micro_args(tmp_path, out, "--resume", "--save-every", "2", steps=4)) == 0
    assert torch.load(out / "state.pt", weights_only=True)["step"] == 4
    assert [int(r["step"]) for r in read_rows(out / "loss.csv")] == [1, 2, 3, 4]
    assert (out / "samples_0000002.png").is_file() and (out / "samples_0000004.png").is_file()


# ----------------------------------------------------------------------------------------------- image folders
def mixed_image_folder(root: Path) -> dict[str, float]:
    """Images of every common mode and odd sizes, nested, plus files that are not images; returns the expected
    mean value in [-1, 1] of the uniform ones, by file name."""
    (root / "a" / "b").mkdir(parents=True)
    Image.new("L", (37, 23), 0).save(root / "black_L.png")
    Image.new("RGBA", (300, 50), (0, 0, 0, 0)).save(root / "a" / "transparent_RGBA.png")  # flattened on white
    Image.new("RGB", (40, 64), (255, 255, 255)).save(root / "a" / "b" / "white_RGB.JPG")
    Image.new("L", (50, 50), 255).convert("LA").save(root / "a" / "b" / "white_LA.png")
    palette = Image.new("P", (23, 37), 0)
    palette.putpalette([255, 255, 255] + [0, 0, 0] * 255)
    palette.save(root / "a" / "palette_P.png")
    noise = np.random.default_rng(0).integers(0, 256, (23, 41, 3), dtype=np.uint8)
    Image.fromarray(noise).save(root / "a" / "noise_RGB.jpeg", quality=90)
    (root / "notes.txt").write_text("not an image")
    return {"black_L": -1.0, "transparent_RGBA": 1.0, "white_RGB": 1.0, "white_LA": 1.0, "palette_P": 1.0}


@pytest.mark.parametrize("channels", [1, 3])
def test_image_folder_reads_every_mode_and_size_nested(tmp_path, channels):
    expected = mixed_image_folder(tmp_path)
    dataset = ImageFolder(tmp_path, image_size=16, channels=channels)
    assert len(dataset) == 6
    for path, x in zip(dataset.paths, (dataset[i] for i in range(len(dataset))), strict=True):
        assert x.shape == (channels, 16, 16) and x.dtype == torch.float32
        assert -1 <= x.min() and x.max() <= 1
        if path.stem in expected:
            assert x.mean().item() == pytest.approx(expected[path.stem], abs=0.02), path.name


def test_empty_folder_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "readme.txt").write_text("no images here")
    with pytest.raises(DDPMError, match="No images .* found under"):
        ImageFolder(tmp_path / "empty", 16, 1)
    assert train.main(micro_args(tmp_path, tmp_path / "out", "--data", str(tmp_path / "empty"))) == 2
    assert "No images" in capsys.readouterr().err


def test_training_on_a_color_folder(tmp_path):
    mixed_image_folder(tmp_path / "data")
    out = tmp_path / "out"
    assert (
        train.main(
            micro_args(tmp_path, out, "--data", str(tmp_path / "data"), "--batch-size", "4", channels=3, steps=2)
        )
        == 0
    )
    assert load_pipeline(out / "pipeline").image_shape == (3, 16, 16)
    assert "`" + str(tmp_path / "data") + "`" in (out / "pipeline" / "README.md").read_text()
    assert not (out / "pipeline" / TRAINING_SET_FILE).exists()  # shipped only when asked


def test_with_training_set_ships_the_images_the_model_trained_on(tmp_path):
    folder = image_folder(tmp_path / "data", count=12)
    out = tmp_path / "out"
    argv = micro_args(tmp_path, out, "--data", str(folder), "--with-training-set", "--batch-size", "4", steps=2)
    assert train.main(argv) == 0
    shipped = TrainingSet.load(out / "pipeline" / TRAINING_SET_FILE)
    expected = to_uint8(all_images(ImageFolder(folder, 16, 1)))
    assert shipped.images.shape == (12, 16, 16, 1)
    assert np.array_equal(np.sort(shipped.images.reshape(12, -1), 0), np.sort(expected.reshape(12, -1), 0))
    assert shipped.threshold > 0  # random images: no two alike


# --------------------------------------------------------------------------------------------------------- Hub
def test_push_to_hub_uploads_the_final_pipeline_folder_once(tmp_path, monkeypatch):
    import huggingface_hub

    calls = []

    def create_repo(self, repo_id, **kwargs):
        calls.append(("create_repo", repo_id, kwargs))

    def upload_folder(self, *, repo_id, folder_path, **kwargs):
        files = sorted(p.relative_to(folder_path).as_posix() for p in Path(folder_path).rglob("*") if p.is_file())
        calls.append(("upload_folder", repo_id, folder_path, files))

    monkeypatch.setattr(huggingface_hub.HfApi, "create_repo", create_repo)
    monkeypatch.setattr(huggingface_hub.HfApi, "upload_folder", upload_folder)
    out = tmp_path / "out"
    assert train.main(micro_args(tmp_path, out, "--save-every", "2", "--push-to-hub", "me/tiny-ddpm")) == 0
    assert calls == [
        ("create_repo", "me/tiny-ddpm", {"exist_ok": True}),
        (
            "upload_folder",
            "me/tiny-ddpm",
            str(out / "pipeline"),
            [
                "README.md",
                "model_index.json",
                "samples.png",
                "scheduler/scheduler_config.json",
                "unet/config.json",
                "unet/diffusion_pytorch_model.safetensors",
            ],
        ),
    ]


# --------------------------------------------------------------------------------------------------------- DDP
DDP_RUNNER = textwrap.dedent("""
    # Runs train.main under torchrun and saves, per rank, the weights DDP trained and a checksum of each batch seen.
    import os
    import sys

    import torch

    import train

    trained, initial, seen = [], [], []

    class RecordedDDP(train.DistributedDataParallel):
        def __init__(self, module, *args, **kwargs):
            super().__init__(module, *args, **kwargs)
            trained.append(module)
            initial.append({k: v.clone() for k, v in module.state_dict().items()})

    def first_tensor(batch):
        x = batch[0] if isinstance(batch, (list, tuple)) else batch
        seen.append(float(x.sum()))
        return x

    train.DistributedDataParallel, train.first_tensor = RecordedDDP, first_tensor
    code = train.main(sys.argv[1:])
    torch.save({"trained": trained[0].state_dict(), "initial": initial[0], "seen": seen},
               os.path.join(os.environ["DUMP_DIR"], f"rank{os.environ['RANK']}.pt"))
    sys.exit(code)
""")


def test_ddp_on_two_cpu_processes_keeps_the_ranks_in_sync(tmp_path):
    pytest.importorskip("torch.distributed.run", reason="torchrun is not available")
    if not torch.distributed.is_gloo_available():
        pytest.skip("torch was built without the gloo backend")
    runner = tmp_path / "ddp_runner.py"
    runner.write_text(DDP_RUNNER)
    out = tmp_path / "out"
    argv = micro_args(tmp_path, out, "--data", str(image_folder(tmp_path / "data")), "--batch-size", "4", steps=3)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "DUMP_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(runner), *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert len(ranks[0]["seen"]) == len(ranks[1]["seen"]) == 3
    assert ranks[0]["seen"] != ranks[1]["seen"], "the ranks should train on different shards of the data"
    saved = torch.load(out / "state.pt", weights_only=True)["unet"]  # rank 0's, written at the end
    for name, weight in ranks[0]["trained"].items():
        assert torch.equal(weight, ranks[1]["trained"][name]), f"{name} differs between the ranks"
        assert torch.equal(weight, saved[name])
    assert any(not torch.equal(w, ranks[0]["initial"][k]) for k, w in ranks[0]["trained"].items())


# -------------------------------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--data", "mnist5k", "--channels", "3", "--model", "tiny"], "MNIST is grayscale"),
        (["--model", "huge"], "Unknown model preset 'huge'"),
        (["--channels", "3", "--image-size", "64", "--model-config", str(CIFAR10_CONFIG)], "sample_size=32"),
        (["--channels", "1", "--model-config", str(CIFAR10_CONFIG)], "in_channels=3"),
    ],
)
def test_bad_inputs_exit_2_with_one_clear_sentence(tmp_path, capsys, argv, message):
    assert train.main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


# -------------------------------------------------------------------------------------- state, publishing, data
def test_the_saved_state_loads_back_as_it_was(tmp_path):
    from torch.optim.swa_utils import AveragedModel

    from training.state import Progress, Trainee, load_state, save_state

    def trainee(seed):
        torch.manual_seed(seed)
        args = train.parse_args(["--image-size", "16"])
        unet = train.UNet(train.checked_config(train.unet_preset("tiny", 1, 16), args))
        optimizer = torch.optim.AdamW(unet.parameters(), lr=1e-3)
        unet(torch.randn(2, 1, 16, 16), torch.tensor([1, 2])).square().mean().backward()
        optimizer.step()  # moments to save
        return Trainee(unet, AveragedModel(unet), optimizer, torch.amp.GradScaler("cpu", enabled=False))

    saved, generator = trainee(0), torch.Generator().manual_seed(42)
    torch.rand(3, generator=generator)  # a generator part-way through its stream
    rng = torch.get_rng_state()
    save_state(tmp_path / "state.pt", saved, Progress(17, 3, 12.5), generator)
    assert not (tmp_path / "state.pt.tmp").exists()
    restored = trainee(1)
    torch.manual_seed(999)  # load_state restores torch's RNG as well
    progress, generator_state = load_state(tmp_path / "state.pt", restored)
    assert progress == Progress(17, 3, 12.5) and torch.equal(generator_state, generator.get_state())
    assert torch.equal(torch.get_rng_state(), rng)
    for a, b in [(saved.unet, restored.unet), (saved.ema, restored.ema)]:
        assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))
    moments = [s["exp_avg"] for s in saved.optimizer.state.values()]
    assert all(torch.equal(x, s["exp_avg"]) for x, s in zip(moments, restored.optimizer.state.values(), strict=True))


@pytest.mark.parametrize(
    ("preset", "size", "expected"),
    [
        ("tiny", 32, "attention at 8×8 and in the middle block (8×8)"),
        ("cifar10", 32, "attention at 16×16 and in the middle block (4×4)"),
    ],
)
def test_the_model_card_says_where_the_unet_attends(preset, size, expected):
    from ddpm.unet import UNetConfig
    from training.publish import attention_note

    assert attention_note(UNetConfig.from_dict(train.unet_preset(preset, 1, size))) == expected


def test_the_data_sources_import_without_the_training_script():
    code = "import sys, training.data; assert 'train' not in sys.modules; print(len(training.data.mnist5k(32)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "5000"


def test_a_bad_device_is_one_sentence(tmp_path, capsys):
    assert train.main(["--device", "tpu", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "tpu" in err and "Traceback" not in err


def test_init_from_fine_tunes_a_trained_model_from_its_own_weights_and_schedule(tmp_path, capsys):
    folder = image_folder(tmp_path / "data", count=8)
    first = tmp_path / "first"
    assert train.main(micro_args(tmp_path, first, "--data", str(folder), "--batch-size", "4", steps=2)) == 0
    trained = load_pipeline(first / "pipeline").unet.state_dict()
    again = tmp_path / "again"  # a learning rate of 0: the fine-tuned weights are the starting ones, exactly
    argv = micro_args(tmp_path, again, "--data", str(folder), "--init-from", str(first / "pipeline"), steps=2)
    assert train.main([*argv, "--batch-size", "4", "--lr", "0", "--model", "tiny"]) == 0
    tuned = load_pipeline(again / "pipeline").unet.state_dict()
    assert tuned.keys() == trained.keys() and all(torch.equal(tuned[k], trained[k]) for k in trained)
    moved = tmp_path / "moved"  # a real learning rate moves them
    assert train.main(micro_args(tmp_path, moved, "--data", str(folder), "--init-from", str(first / "pipeline"))) == 0
    assert any(not torch.equal(w, trained[k]) for k, w in load_pipeline(moved / "pipeline").unet.state_dict().items())
    other = [*argv, "--beta-schedule", "cosine", "--out", str(tmp_path / "cosine")]
    assert train.main(other) == 2
    assert "was trained with" in capsys.readouterr().err
