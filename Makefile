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
TF_NATIVE_VERSION ?= 2.10.1

BOOTSTRAP_STAMP := $(CACHE)/bootstrap.stamp
TF_LIB := $(CURDIR)/$(CACHE)/tensorflow/native/lib
JAR := app/target/inference-service.jar
SIGNING_KEY := $(CACHE)/keys/model-signing.key

# Maven 3.8 on JDK 25 warns about sun.misc.Unsafe on every call; the warning is not ours to fix.
export MAVEN_OPTS := $(MAVEN_OPTS) --sun-misc-unsafe-memory-access=allow
export TENSORFLOW_LIBRARY_PATH := $(TF_LIB)
export DJL_OFFLINE := true
JAVA_HOME_21 = $(shell scripts/find-jdk.sh 21)
MVN = JAVA_HOME=$(JAVA_HOME_21) mvn -B -q -f app/pom.xml
JAVA = $(JAVA_HOME_21)/bin/java --enable-native-access=ALL-UNNAMED

# Operations: podman settings for this kind of machine live in the repository (DESIGN §6), so every
# podman and Molecule call below uses them without touching /etc/containers.
export CONTAINERS_CONF := $(CURDIR)/ansible/containers.conf
# The control-node tools (ansible, molecule, linters) come from the project venv.
OPS = PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
# Base images for the lab and Molecule: name:Debian suite.
IMAGES := debian13:trixie debian12:bookworm
MOLECULE_BASE := $(CURDIR)/ansible/molecule/config.yml
# Lab groups whose hosts `make lab` starts, and roles whose scenario `make molecule` runs
# (override on the command line: make lab LAB_GROUPS="memcached scylladb", make molecule ROLE=memcached).
LAB_GROUPS ?= memcached
ROLE ?= $(notdir $(patsubst %/molecule/default,%,$(wildcard roles/*/molecule/default)))

##@ General

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Set-up

.PHONY: bootstrap
bootstrap: ## Install everything the project needs (apt, JDK >= 21, venv, Maven deps, TF natives); idempotent
	scripts/bootstrap.sh
	@mkdir -p $(CACHE) && touch $(BOOTSTRAP_STAMP)

$(BOOTSTRAP_STAMP): scripts/bootstrap.sh scripts/apt-packages.txt ansible/requirements.txt app/pom.xml
	@$(MAKE) bootstrap

##@ Service

.PHONY: build
build: $(JAR) ## Build the service's fat JAR (app/target/inference-service.jar)

$(JAR): $(BOOTSTRAP_STAMP) app/pom.xml $(shell find app/src/main -type f)
	$(MVN) -DskipTests package

.PHONY: models
models: $(MODELS_DIR)/.built ## Train, export and sign the demo models into ./models (key in .cache/keys, never committed)

$(MODELS_DIR)/.built: $(JAR)
	$(JAVA) -jar $(JAR) build-demo-models --output $(MODELS_DIR) --signing-key $(SIGNING_KEY)
	@touch $@

.PHONY: run
run: models ## Build what is missing and run the service on :$(PORT) with the demo models
	SERVER_PORT=$(PORT) MODELS_ROOT=$(MODELS_DIR) MODELS_SIGNING_PUBLIC_KEY=$(SIGNING_KEY).pub \
	  $(JAVA) -jar $(JAR)

##@ Operations

.PHONY: images
images: $(BOOTSTRAP_STAMP) ## Build the lab/Molecule base images with mmdebstrap (skipped when unchanged)
	@for image in $(IMAGES); do scripts/build-image.sh "$${image%%:*}" "$${image#*:}"; done

.PHONY: lab
lab: images ## Start the lab hosts of LAB_GROUPS (default: memcached) and write inventory/lab/
	scripts/lab.sh up $(LAB_GROUPS)

.PHONY: up
up: lab ## Start the lab and deploy site.yml to it
	$(OPS) ansible-playbook -i inventory/lab site.yml

.PHONY: down
down: ## Remove the lab hosts, their network and the generated inventory
	scripts/lab.sh down

##@ Tests

.PHONY: test
test: test-app lint molecule ## Run every test (what CI runs)

.PHONY: lint
lint: $(BOOTSTRAP_STAMP) ## Lint every YAML file (yamllint) and the Ansible content (ansible-lint, production profile)
	$(OPS) yamllint --strict .
	$(OPS) ansible-lint

.PHONY: molecule
molecule: images ## Run each role's Molecule scenario (ROLE=memcached for one)
	@for role in $(ROLE); do \
	  echo "==> molecule test: $$role"; \
	  (cd roles/$$role && $(OPS) molecule --base-config $(MOLECULE_BASE) test) || exit 1; \
	done

.PHONY: test-app
test-app: $(BOOTSTRAP_STAMP) ## Unit and HTTP tests of the service against real SavedModels
	$(MVN) verify

.PHONY: clean
clean: ## Remove build output (keeps .cache and .venv)
	rm -rf app/target $(MODELS_DIR)
