# Inference appliance: build, run, test and deploy. `make` (or `make help`) lists the targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# Settings (override on the command line: make run PORT=9090)
VENV ?= .venv
CACHE ?= .cache
MODELS_DIR ?= models
PORT ?= 8080
GRPC_PORT ?= 8081
TF_NATIVE_VERSION ?= 2.10.1
GHZ_VERSION ?= v0.120.0
# The open-loop load generator of make bench's overload workload.
VEGETA_VERSION ?= v12.13.0
CQL_PORT ?= 9042
CQL_STANDIN_DIR ?= $(CACHE)/cql-standin

BOOTSTRAP_STAMP := $(CACHE)/bootstrap.stamp
TF_LIB := $(CURDIR)/$(CACHE)/tensorflow/native/lib
JAR := app/target/inference-service.jar
# The demo-model builder (app/demo-models), never part of the service's JAR.
DEMO_JAR := app/demo-models/target/demo-models-exec.jar
# Every Maven module's pom: a change to any re-resolves dependencies (bootstrap) and rebuilds.
POMS := $(wildcard app/pom.xml app/*/pom.xml)
SIGNING_KEY := $(CACHE)/keys/model-signing.key
# promtool, extracted from Debian's prometheus package by the bootstrap; the alert rules and their tests.
PROMTOOL := $(CACHE)/promtool/promtool
ALERT_RULES := roles/monitoring/files/rules
PAGE_TEST_DEPS := page-test/node_modules/.package-lock.json

export TENSORFLOW_LIBRARY_PATH := $(TF_LIB)
export DJL_OFFLINE := true
# TensorFlow's own INFO/WARNING lines (CUDA probing on a CPU-only host) are noise here.
export TF_CPP_MIN_LOG_LEVEL ?= 2
# Maven and javac run on the newest JDK >= 21 (--release 21); the tests, the service and the demos on the
# Java 21 runtime the appliance runs (scripts/mvn.sh, scripts/find-jdk.sh --runtime 21 21).
MVN = scripts/mvn.sh -f app/pom.xml
# The formatter's plugin by its coordinates (its prefix is not in Maven's default plugin groups); the version
# and formatter are pinned in app/pom.xml.
SPOTLESS := com.diffplug.spotless:spotless-maven-plugin
JAVA = $(shell scripts/find-jdk.sh --runtime 21 21)/bin/java --enable-native-access=ALL-UNNAMED

# Operations: podman settings for this kind of machine live in the repository (docs/operations.md), so every
# podman and Molecule call below uses them without touching /etc/containers.
export CONTAINERS_CONF := $(CURDIR)/ansible/containers.conf
# The control-node tools (ansible, molecule, linters) come from the project venv.
OPS = PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
# Base images for the lab and Molecule: name:Debian suite.
IMAGES := debian13:trixie debian12:bookworm
MOLECULE_BASE := $(CURDIR)/ansible/molecule/config.yml
# Lab groups whose hosts `make lab` and `make up` start: those site.yml has plays for; and roles whose
# scenario `make molecule` runs (override on the command line: make lab LAB_GROUPS=memcached,
# make molecule ROLE=memcached).
LAB_GROUPS ?= scylladb vault memcached app monitoring
# Scenarios `make molecule` runs besides each role's default one (role:scenario), and how many at a time.
MOLECULE_EXTRA ?= vault:cluster
MOLECULE_JOBS ?= 2
export MOLECULE_JOBS
ROLE ?= $(notdir $(patsubst %/molecule/default,%,$(wildcard roles/*/molecule/default)))

##@ General

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Set-up

.PHONY: bootstrap
bootstrap: ## Install everything the project needs (apt, JDKs, venv, Maven deps, TF natives, CQL stand-in); idempotent
	scripts/bootstrap.sh
	@mkdir -p $(CACHE) && touch $(BOOTSTRAP_STAMP)

$(BOOTSTRAP_STAMP): scripts/bootstrap.sh scripts/apt-packages.txt ansible/requirements.txt scripts/test-requirements.txt $(POMS)
	@$(MAKE) bootstrap

##@ Service

.PHONY: build
build: $(JAR) ## Build the service's fat JAR (app/target/inference-service.jar)

# One reactor build makes both JARs (the service's needs the manifest module).
$(JAR) $(DEMO_JAR) &: $(BOOTSTRAP_STAMP) $(POMS) $(shell find app/*/src/main -type f)
	$(MVN) -q -DskipTests package

.PHONY: models
models: $(MODELS_DIR)/.built ## Train, export and sign the demo models into ./models (key in .cache/keys, never committed)

$(MODELS_DIR)/.built: $(shell find app/manifest/src/main app/demo-models/src/main -type f) | $(DEMO_JAR)
	$(JAVA) -jar $(DEMO_JAR) --output $(MODELS_DIR) --signing-key $(SIGNING_KEY)
	@touch $@

.PHONY: run
run: build models ## Build what is missing and run the service on :8080 (PORT=...), gRPC on :8081 (GRPC_PORT=...), with the demo models
	INFERENCE_CONFIG_FILE=app/demo/demo.yaml SERVER_PORT=$(PORT) GRPC_PORT=$(GRPC_PORT) MODELS_ROOT=$(MODELS_DIR) \
	  MODELS_SIGNATURE_KEY=$(SIGNING_KEY).pub $(JAVA) -jar $(JAR)

BENCH_VENV := $(CACHE)/bench-venv
BENCH_LIMITS := bench/target/bench-limits.jar
BENCH_PEERS := $(BENCH_VENV)/mlserver/.installed $(BENCH_VENV)/kserve/.installed

.PHONY: bench
bench: build models $(BENCH_LIMITS) $(BENCH_PEERS) ## The service vs. its limits, peers and overload in one run: one table, JSON in .cache/bench (BENCH_ARGS=--seconds 5, --only overload)
	@command -v vegeta >/dev/null || [[ -x $(HOME)/go/bin/vegeta ]] || go install github.com/tsenart/vegeta/v12@$(VEGETA_VERSION)
	VEGETA_VERSION=$(VEGETA_VERSION) scripts/bench.py $(BENCH_ARGS)

# The limit programs: their own Maven project whose parent is app/pom.xml, so they run the service's versions.
$(BENCH_LIMITS): $(BOOTSTRAP_STAMP) bench/pom.xml app/pom.xml $(shell find bench/src -type f)
	scripts/mvn.sh -q -f bench/pom.xml package

# The peers, each in its own venv (never the project's .venv): MLServer, KServe.
$(BENCH_VENV)/%/.installed: bench/peers/requirements-%.txt
	python3 -m venv $(BENCH_VENV)/$*
	$(BENCH_VENV)/$*/bin/pip install -q -r $<
	@touch $@

.PHONY: bench-protocols
bench-protocols: build models ## Throughput of one model over OIP JSON HTTP, binary HTTP and gRPC (wrk, ghz), as ratios
	@command -v ghz >/dev/null || [[ -x $(HOME)/go/bin/ghz ]] || go install github.com/bojand/ghz/cmd/ghz@$(GHZ_VERSION)
	scripts/bench-protocols.sh

##@ Feature store (CQL stand-in)

# Another Cassandra version in cql-standin/pom.xml re-runs the bootstrap, which assembles it.
$(BOOTSTRAP_STAMP): cql-standin/pom.xml

.PHONY: cql-standin-assemble
cql-standin-assemble: ## Assemble Apache Cassandra 5.0 from Maven Central into .cache/cassandra (once per version)
	scripts/cql-standin.sh assemble

.PHONY: cql-standin
cql-standin: cql-standin-assemble ## Start the CQL stand-in for ScyllaDB on 127.0.0.1:9042 (CQL_PORT), data in .cache/cql-standin
	scripts/cql-standin.sh start --dir $(CQL_STANDIN_DIR) --port $(CQL_PORT)
	@echo "Connect to 127.0.0.1:$(CQL_PORT), local datacenter 'datacenter1', as cassandra/cassandra:"
	@echo "the default superuser, which exists only in this throw-away stand-in. Stop: make cql-standin-stop"

.PHONY: features-demo
features-demo: build ## Load sample features into the running stand-in (schema, app role, u-1..u-5)
	scripts/features-demo.sh

.PHONY: run-features
run-features: build models ## make run, enriching requests from the stand-in prepared by features-demo
	set -a && source $(CQL_STANDIN_DIR)/app.env && set +a && \
	  INFERENCE_CONFIG_FILE=app/demo/demo.yaml SERVER_PORT=$(PORT) GRPC_PORT=$(GRPC_PORT) MODELS_ROOT=$(MODELS_DIR) \
	  MODELS_SIGNATURE_KEY=$(SIGNING_KEY).pub FEATURES_ENABLED=true \
	  FEATURES_CONTACT_dash_POINTS=127.0.0.1:$(CQL_PORT) $(JAVA) -jar $(JAR)

.PHONY: cql-standin-stop
cql-standin-stop: ## Stop the CQL stand-in started by `make cql-standin` (keeps its data)
	scripts/cql-standin.sh stop --dir $(CQL_STANDIN_DIR)

##@ Operations

.PHONY: images
images: $(BOOTSTRAP_STAMP) ## Build the lab/Molecule base images with mmdebstrap (skipped when unchanged)
	@for image in $(IMAGES); do scripts/build-image.sh "$${image%%:*}" "$${image#*:}"; done

.PHONY: lab
lab: images ## Start the lab hosts of LAB_GROUPS (default: scylladb vault memcached app monitoring) and write inventory/lab/
	scripts/lab.sh up $(LAB_GROUPS)

.PHONY: up
up: ## The appliance on the lab from a bare machine: bootstrap, build, models, images, hosts, site.yml, smoke test
	LAB_GROUPS="$(LAB_GROUPS)" scripts/up.sh

.PHONY: down
down: ## Remove everything `make up` created: lab hosts, network, generated inventory, lab secrets, logs
	scripts/lab.sh down

##@ Tests

.PHONY: test
test: test-app test-clients test-page test-alerts lint molecule test-appliance ## Run every test (what CI runs)

.PHONY: lint
lint: $(BOOTSTRAP_STAMP) ## Lint Java (Error Prone while compiling, Spotless format check), YAML (yamllint), Ansible (ansible-lint); check the README and the docs picture
	$(MVN) -q -DskipTests test-compile $(SPOTLESS):check
	scripts/mvn.sh -q -f bench/pom.xml -DskipTests test-compile $(SPOTLESS):check
	$(OPS) yamllint --strict .
	$(OPS) ansible-lint
	scripts/check-readme.py
	@dot -Tsvg $(ARCH_DOT) | cmp -s - $(ARCH_SVG) || { echo "$(ARCH_SVG) is not the rendering of $(ARCH_DOT): run make docs" >&2; exit 1; }
	@echo "$(ARCH_SVG) is up to date"

.PHONY: format
format: $(BOOTSTRAP_STAMP) ## Format the Java sources of app/ and bench/ in place (palantir-java-format via Spotless)
	$(MVN) -q $(SPOTLESS):apply
	scripts/mvn.sh -q -f bench/pom.xml $(SPOTLESS):apply

.PHONY: molecule
molecule: images build models ## Run each role's default Molecule scenario and MOLECULE_EXTRA, MOLECULE_JOBS (2) at a time (ROLE=memcached for one role)
	@$(OPS) scripts/molecule.sh $(MOLECULE_BASE) $(foreach role,$(ROLE),$(role):default \
	  $(filter $(role):%,$(MOLECULE_EXTRA)))

.PHONY: test-appliance
test-appliance: ## Full stack on the lab: make up with its smoke test, the restart checks, a second make up that must change nothing, make down
	LAB_GROUPS="$(LAB_GROUPS)" scripts/up.sh
	$(MAKE) --no-print-directory restarts
	LAB_GROUPS="$(LAB_GROUPS)" scripts/up.sh --unchanged
	scripts/lab.sh down

.PHONY: restarts
restarts: ## On the lab from make up: kill -9, systemctl restart and a reboot of the service host; each must recover without Ansible
	$(OPS) ANSIBLE_NOCOLOR=1 ansible-playbook -i inventory/lab ansible/lab/restarts.yml

.PHONY: test-alerts
test-alerts: $(BOOTSTRAP_STAMP) ## Check the alert rules and run their unit tests (promtool test rules)
	$(PROMTOOL) check rules $(ALERT_RULES)/*.rules.yml
	cd $(ALERT_RULES) && $(CURDIR)/$(PROMTOOL) test rules *.test.yml

.PHONY: molecule-scylladb-packages
molecule-scylladb-packages: images ## The scylladb role with real ScyllaDB packages (needs ScyllaDB's repository; not in make test)
	cd roles/scylladb && $(OPS) molecule --base-config $(MOLECULE_BASE) test --scenario-name packages

.PHONY: test-app
test-app: $(BOOTSTRAP_STAMP) ## Unit and HTTP tests of the service against real SavedModels, memcached and the CQL stand-in
	$(MVN) verify

.PHONY: test-clients
test-clients: build models ## The real Python clients (tritonclient HTTP+gRPC, KServe, TF Serving API) and schemathesis against the service
	VENV=$(VENV) scripts/test-clients.sh

.PHONY: test-page
test-page: build models $(PAGE_TEST_DEPS) ## Browser test of the page at / in Debian's headless Chromium (screenshots in build/page-test)
	scripts/test-page.sh

# playwright-core, pinned in page-test/package-lock.json; it drives Debian's chromium, never a downloaded browser.
$(PAGE_TEST_DEPS): page-test/package.json page-test/package-lock.json
	@command -v npm >/dev/null || { echo "make test-page needs Node.js with npm (18 or newer)" >&2; exit 1; }
	cd page-test && npm ci --no-audit --no-fund

##@ Documentation

ARCH_DOT := docs/architecture.dot
ARCH_SVG := docs/architecture.svg

.PHONY: docs
docs: $(ARCH_SVG) ## Render the architecture picture (docs/architecture.svg) from its Graphviz source

$(ARCH_SVG): $(ARCH_DOT) | $(BOOTSTRAP_STAMP)
	dot -Tsvg $< -o $@

.PHONY: clean
clean: ## Remove build output (keeps .cache and .venv)
	rm -rf app/target app/*/target $(MODELS_DIR)
