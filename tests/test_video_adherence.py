"""The text-to-video scoreboard on stand-in generators: real clips score full marks, noise scores none."""
import pytest
import torch

from toolkit.eval import video_adherence as va

pytestmark = pytest.mark.usefixtures("one_thread")


def test_prompt_sets_are_fixed_and_large_enough():
    wording, truths = va.prompt_set("wording")
    combination, _ = va.prompt_set("combination")
    assert len(wording) >= 200 and len(combination) >= 200 and len(set(wording)) > 150
    assert all("motion" in t for t in truths) and va.prompt_set("wording")[0] == wording


def test_scoreboard_rows(monkeypatch):
    prompts, truths = va.prompt_set("wording")
    lookup = dict(zip(prompts, truths))
    perfect = lambda p, seed: va.real_clips([lookup[q] for q in p], seed=100 + seed)     # noqa: E731
    noise = lambda p, seed: torch.rand(len(p), 3, 16, 32, 32, generator=torch.Generator().manual_seed(seed)) * 2 - 1  # noqa: E731
    rows = va.evaluate({"perfect": perfect, "noise": noise}, sets=("wording",), limits={"perfect": 12, "noise": 7},
                       batch=5, progress=False)
    by_name = {r["model"]: r for r in rows}
    assert set(by_name) == {"perfect", "noise", "real clips"}
    assert (by_name["perfect"]["n"], by_name["noise"]["n"], by_name["real clips"]["n"]) == (12, 7, 12)
    assert by_name["perfect"]["joint"] == 1 and by_name["perfect"]["identity_changes"] == 0
    assert by_name["noise"]["joint"] == 0
    assert {"colour", "shape", "size", "motion", "joint", "path_jerk_px", "frame_change"} <= set(by_name["perfect"])


def test_merge_replaces_measured_rows_and_keeps_the_larger_real_clip_row(tmp_path):
    from toolkit.checkpoints import write_json
    from toolkit.eval.video_adherence import merge
    out = tmp_path / "table.json"
    row = lambda model, n, joint=0.5: {"model": model, "prompts": "wording", "n": n, "joint": joint}  # noqa: E731
    write_json(out, {"rows": [row("a", 10), row("b", 10), row("real clips", 200, 1.0)]})
    merged = merge(out, [row("b", 20, 0.9), row("real clips", 16, 1.0)])
    assert {(r["model"], r["n"]) for r in merged} == {("a", 10), ("b", 20), ("real clips", 200)}
