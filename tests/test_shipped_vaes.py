"""The shipped VAEs load from their float16 files and still meet issue 5's targets on held-out pictures."""
import pytest

from toolkit import zoo
from toolkit.recipes import autoencoder


@pytest.mark.parametrize("kind", ["image", "video"])
def test_shipped_vae_reconstructs_held_out_pictures(kind):
    model = zoo.load(autoencoder.make_config(kind).name)
    result = autoencoder.evaluate(model, autoencoder.make_config(kind), n=16)
    assert result["psnr_heldout_db"] >= 30.0, result
    assert all(v == 1.0 for v in result["reader_accuracy_heldout"].values()), result
