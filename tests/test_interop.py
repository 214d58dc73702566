"""Our components beside diffusers' production classes, built offline from configs: they take the same inputs."""
import pytest

from toolkit.interop import compare

pytestmark = pytest.mark.usefixtures("one_thread")


def test_counterparts_run_offline_on_our_shapes_at_a_comparable_size():
    rows = compare()
    assert [r["diffusers"] for r in rows] == ["CogVideoXTransformer3DModel", "LatteTransformer3DModel",
                                              "AutoencoderKLCogVideoX"]
    for r in rows[:2]:                                       # denoisers: a velocity for every latent value
        assert r["our_output"] == r["their_output"] == (1, 8, 4, 8, 8)
    vae = rows[2]
    assert vae["our_output"] == (1, 8, 4, 8, 8) and vae["their_output"] == (1, 8, 5, 8, 8)   # 16 vs 1 + 16 frames
    for r in rows:
        assert 0.5 < r["their_parameters"] / r["our_parameters"] < 2, r
        assert 0.5 < r["their_flops"] / r["our_flops"] < 2, r
        assert r["same"] and r["differs"]
