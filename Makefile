# feedback-intelligence: `make help` lists the targets.
export UV_PYTHON_DOWNLOADS := never
RUN := uv run --no-sync
PYTEST_ARGS ?=
TAGGING_DATA ?= ../shared/data
# Every service folder is a package of the same name.
PACKAGES := feedback_contracts service_runtime standins $(patsubst services/%/pyproject.toml,%,$(wildcard services/*/pyproject.toml))

.PHONY: help dev setup images test lint typecheck schemas schemas-check compose compose-check unit integration bench-ingress bench-media bench-pipeline bench-tokens bench-faults bench-outage-logs bench-tagging bench-tagging-languages bench-llm-tagging bench-llm-client capacity eval-conversations

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

dev: ## Run the whole system locally on embedded defaults, with the WhatsApp emulator page
	bash scripts/setup.sh --python
	$(RUN) python scripts/dev.py

setup: ## Install Debian packages, Python packages (uv), the Kafka jars, a Docker engine and the control plane
	bash scripts/setup.sh

test: setup lint typecheck schemas-check compose-check images ## Everything CI runs: lint, types, drift checks, all tests, both infrastructure paths
	TEST_INFRASTRUCTURE=processes $(RUN) pytest $(PYTEST_ARGS)
	TEST_INFRASTRUCTURE=containers $(RUN) pytest -m integration $(PYTEST_ARGS)

images: ## Build every image (local base, infrastructure stand-ins, each service) and print their sizes
	PYTHONPATH=tests $(RUN) python -m harness.docker_images

compose: ## Render docker-compose.yml's service containers from the chart's components
	$(RUN) python scripts/compose.py

compose-check: ## Fail when docker-compose.yml drifts from the chart's components
	$(RUN) python scripts/compose.py --check

unit: ## Unit tests only (no processes)
	$(RUN) pytest -m unit $(PYTEST_ARGS)

integration: ## Integration tests (real Kafka, PostgreSQL, moto); TEST_INFRASTRUCTURE=containers|processes picks the path
	$(RUN) pytest -m integration $(PYTEST_ARGS)

lint: ## ruff
	$(RUN) ruff check .
	$(RUN) ruff format --check .

typecheck: ## mypy --strict on the services and libraries
	$(RUN) mypy $(addprefix -p ,$(PACKAGES))

schemas: ## Regenerate libs/contracts/schemas from the models
	$(RUN) python -m feedback_contracts.schemas

schemas-check: ## Fail when the committed schemas drift from the models
	$(RUN) python -m feedback_contracts.schemas --check

bench-ingress: ## Benchmark ingress against a bare FastAPI form endpoint (prints JSON)
	$(RUN) python benchmarks/ingress.py

bench-media: ## Benchmark the media copy against a plain boto3 copy (prints JSON)
	$(RUN) python benchmarks/media.py

bench-faults: ## A broker lost, leadership moved, a rolling restart, scaling, an hour's soak, under load (JSON per scenario)
	$(RUN) python benchmarks/faults.py $(FAULTS_ARGS)

bench-tokens: ## Prompt tokens per completed session against the whole-history baseline (prints JSON)
	$(RUN) python benchmarks/tokens.py

eval-conversations: ## The dialogue set against the model at OPENAI_BASE_URL / OPENAI_API_KEY (prints the pass rate)
	FLASK_ENV=local $(RUN) python scripts/eval_conversations.py

bench-outage-logs: ## Connection-error log lines through a broker restart, every line vs summarized (prints JSON)
	$(RUN) python benchmarks/outage_logs.py

bench-pipeline: ## Webhooks to replies through the whole system (prints JSON); options in ARGS="..."
	$(RUN) python benchmarks/pipeline.py $(ARGS)

capacity: ## Pods, partitions, external limits and an hour's cost for 100, 1,000 and 10,000 messages/s (docs/capacity.md)
	$(RUN) python benchmarks/capacity.py $(ARGS)

bench-llm-tagging: ## Feedbacks tagged a second by the LLM tagger, the model answering in seconds (prints JSON); options in ARGS="..."
	$(RUN) python benchmarks/llm_tagging.py $(ARGS)

bench-llm-client: ## Client CPU per chat completion, the SDK's httpx and aiohttp transports (prints JSON); options in ARGS="..."
	$(RUN) python benchmarks/llm_client.py $(ARGS)

bench-tagging: ## The offline tagger on the labelled restaurant feedback in ../shared/data, one thread (prints JSON)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(RUN) python -m insights.evaluate \
		--taxonomy $(TAGGING_DATA)/restaurant_taxonomy.json --data $(TAGGING_DATA)/restaurant_feedback_dev.jsonl

bench-tagging-languages: ## The offline tagger on the same 66 restaurant reviews in English, Portuguese and Spanish (tests/tagging; JSON a line)
	for language in en pt es; do \
		OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(RUN) python -m insights.evaluate \
			--taxonomy tests/tagging/restaurant_taxonomy.json --data tests/tagging/restaurant_$$language.jsonl | tail -1; \
	done
