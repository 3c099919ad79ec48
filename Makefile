# Two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench examples pictures reference clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/kpisheet evaluate templates/startup.xlsx --config config/startup

test: $(VENV)/.installed-test
	$(BIN)/python -m mypy kpisheet
	$(BIN)/python -m mypy --strict kpisheet/engine kpisheet/expr kpisheet/config kpisheet/*.py
	$(BIN)/python -m pytest -q

# Bytecode first: an editable install never keeps kpisheet's .pyc where PYTHONDONTWRITEBYTECODE
# is set, and every process would time compiling it (README#benchmarks).
bench: $(VENV)/.installed-test
	$(BIN)/python -m compileall -q kpisheet
	cd benchmarks && ../$(BIN)/python bench_evaluate.py && ../$(BIN)/python bench_udfs.py out/rows200000 && ../$(BIN)/python bench_recalc.py && ../$(BIN)/python bench_com_calls.py && ../$(BIN)/python bench_scale.py

# Remake the example workbooks (seeded) and the Dashboard pictures in docs/ (needs LibreOffice, pdftoppm).
examples: $(VENV)/.installed-test
	$(BIN)/python scripts/make_examples.py

pictures: $(VENV)/.installed
	$(BIN)/python scripts/render_dashboards.py

# Regenerate what is generated from the registries and models: the editor schema and
# docs/reference.md. A test fails while either is stale (after adding a key or a function).
reference: $(VENV)/.installed
	$(BIN)/kpisheet schema -o kpisheet.schema.json
	$(BIN)/python -m kpisheet.reference

clean:
	rm -rf $(VENV) build *.egg-info
