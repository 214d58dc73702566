# From Static to Video. On a fresh machine: `make demo`, then `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Extra pip flags, e.g. PIP_FLAGS="--extra-index-url https://download.pytorch.org/whl/cpu"
# for PyTorch's small CPU wheel on a laptop (plain PyPI serves a large CUDA build on Linux).
PIP_FLAGS ?=

.PHONY: setup demo test test-browser lab checkpoints bench wheelhouse clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(PIP_FLAGS) -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m toolkit demo --out outputs/

# Unit tests and every notebook, executed in fast mode (TOOLKIT_FAST=1) by nbval; then the browser test.
test: $(STAMP)
	TOOLKIT_FAST=1 $(BIN)/python -m pytest -q --nbval-lax --nbval-current-env tests notebooks
	@$(MAKE) --no-print-directory test-browser

# A notebook in JupyterLab in a real browser (tests/browser): Debian's chromium, driven by Playwright.
# Installs chromium with apt-get when it is missing and we are root; where it cannot, the test skips and says why.
test-browser: $(STAMP)
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "test-browser: no chromium, and apt-get as root is not available to install it"
	$(BIN)/python -m pytest -q -rs -m browser tests/browser

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 --notebook-dir=notebooks

checkpoints: $(STAMP)
	$(BIN)/python -m toolkit.recipes.denoising train --preset cpu --out assets/checkpoints
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.recipes.feature_classifier train --out assets/checkpoints
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.recipes.image_diffusion train --objective epsilon --out assets/checkpoints
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.recipes.image_diffusion train --objective velocity --out assets/checkpoints
	$(BIN)/python -m toolkit.recipes.contrastive train --out assets/checkpoints
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.recipes.contrastive train --noise-aware --out assets/checkpoints
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.recipes.contrastive train --visual video --out assets/checkpoints
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.recipes.text_to_image train --out assets/checkpoints
	$(BIN)/python -m toolkit.experiments.text_to_image --out assets/metrics/text_to_image.json
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.recipes.autoencoder train --kind image --out assets/checkpoints
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.recipes.text_to_image train --latent --out assets/checkpoints
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.experiments.latent_cost --out assets/metrics/latent_cost.json
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.recipes.autoencoder train --kind video --out assets/checkpoints
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.experiments.rate_distortion --out assets/metrics/rate_distortion.json
	$(BIN)/python -m toolkit.recipes.text_to_video train --out assets/checkpoints
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.recipes.video_diffusion train --out assets/checkpoints
	$(BIN)/python -m toolkit.experiments.text_to_video --models transformer per-frame --scales 4
	$(BIN)/python -m toolkit.experiments.text_to_video --models spacetime-unet --slow-limit 16
	$(BIN)/python -m toolkit.experiments.energy --out assets/metrics/energy.json
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.recipes.digits_video train --stage classifier --out assets/checkpoints
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.recipes.digits_video train --stage text --out assets/checkpoints
	OMP_NUM_THREADS=1 $(BIN)/python -m toolkit.recipes.digits_video train --stage vae --out assets/checkpoints
	$(BIN)/python -m toolkit.recipes.digits_video train --stage dit --out assets/checkpoints
	$(BIN)/python -m toolkit.experiments.digits --out assets/metrics/digits.json
	$(BIN)/python -m toolkit.recipes.sound_video train --out assets/checkpoints
	$(BIN)/python -m toolkit.experiments.sound_video --out assets/metrics/sound_video.json
	$(BIN)/python -m toolkit.experiments.beyond --out assets/metrics/beyond.json

bench: $(STAMP)
	$(BIN)/python bench/bench_shapes.py
	$(BIN)/python bench/bench_unet.py
	$(BIN)/python bench/bench_samplers.py
	$(BIN)/python bench/bench_generate.py
	$(BIN)/python bench/bench_train.py

# Every wheel the course needs, for a classroom with no internet: build it once where there is a network, copy
# the folder with the repository, and install with  make setup PIP_FLAGS="--no-index --find-links wheelhouse"
wheelhouse:
	$(PYTHON) -m pip wheel --quiet $(PIP_FLAGS) --wheel-dir wheelhouse '.[dev]' 'setuptools>=68' wheel

clean:
	rm -rf $(VENV) outputs .pytest_cache
