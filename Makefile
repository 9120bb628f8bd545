# Two commands do everything: `make run` and `make test` (see README.md).
# Without DATABASE_URL, both use a private PostgreSQL cluster under .data/.

SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
DEV_PORT ?= 55432
TEST_PORT ?= 55433

.PHONY: help run test faults replica fuzz clients lint openapi db-stop clean-data

help:
	@echo "make run      start PostgreSQL (if DATABASE_URL is unset), migrate, load demo data, serve on 127.0.0.1:8080"
	@echo "make test     run every test against a private PostgreSQL"
	@echo "make faults   stop and start PostgreSQL under the service, SIGTERM it under load (part of make test)"
	@echo "make replica  a streaming replica and PgBouncer under two service processes (part of make test)"
	@echo "make fuzz     schemathesis over every operation of openapi/openapi.json (part of make test, shorter)"
	@echo "make clients  generate the typed clients, compile and run their flows (part of make test)"
	@echo "make lint     rustfmt and clippy, as CI wants them"
	@echo "make openapi  regenerate openapi/openapi.json from the code"

.data/jwt-secret:
	@mkdir -p .data
	@head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > $@

# 32 random bytes in base64: the key that seals webhook secrets.
.data/webhook-key:
	@mkdir -p .data
	@head -c 32 /dev/urandom | base64 | tr -d '\n' > $@

run: .data/jwt-secret .data/webhook-key
	@$(CARGO) build --release
	@set -e; \
	if [ -z "$$DATABASE_URL" ]; then url=$$(scripts/pg.sh start dev $(DEV_PORT)) || exit 1; export DATABASE_URL=$$url; fi; \
	if [ -z "$$JWT_SECRET" ] && [ -z "$$JWT_PUBLIC_KEY_FILE" ]; then export JWT_SECRET=$$(cat .data/jwt-secret); fi; \
	export WEBHOOK_SECRET_KEY=$${WEBHOOK_SECRET_KEY:-$$(cat .data/webhook-key)}; \
	export BIND_ADDR=$${BIND_ADDR:-127.0.0.1:8080}; \
	./target/release/clauses demo-data; \
	token=$$(./target/release/clauses token --role facilitator --sub demo-facilitator --ttl 86400); \
	home=$$(./target/release/clauses token --role facilitator --org 0d3e0000-0000-4000-8000-000000000001 --sub demo-facilitator-home --ttl 86400); \
	gps=$$(./target/release/clauses token --role facilitator --org 0d3e0000-0000-4000-8000-00000000000d --sub demo-facilitator-gps --ttl 86400); \
	dept=$$(./target/release/clauses token --role department --org 0d3e0000-0000-4000-8000-000000000003 --sub demo-department --ttl 86400); \
	echo; \
	echo "  API reference:  http://$$BIND_ADDR/docs"; \
	echo "  Try it:         curl -s -H 'Authorization: Bearer $$token' http://$$BIND_ADDR/api/v1/organisations"; \
	echo; \
	echo "  Demo tokens (24 h):"; \
	echo "    platform facilitator (every territory): $$token"; \
	echo "    facilitator of the first territory:     $$home"; \
	echo "    facilitator of Grand Paris Sud:         $$gps"; \
	echo "    the Département (its territories' figures): $$dept"; \
	echo; \
	exec ./target/release/clauses serve

test:
	@set -e; \
	if [ -z "$$DATABASE_URL" ]; then url=$$(scripts/pg.sh start test $(TEST_PORT)) || exit 1; export DATABASE_URL=$$url; fi; \
	$(CARGO) test --all-targets --no-fail-fast; \
	clients/check.sh; \
	tests/faults.sh; \
	tests/replica.sh; \
	FUZZ_MAX_TIME=$${FUZZ_MAX_TIME:-50} FUZZ_SEED=$${FUZZ_SEED:-20261125} scripts/fuzz.sh

# schemathesis over every operation, as a facilitator and as a company
# (make test runs it with a bounded budget; this runs longer, FUZZ_MAX_TIME).
fuzz:
	@$(CARGO) build -q && scripts/fuzz.sh

# The typed clients generated from openapi/openapi.json, compiled strictly
# and run against the service.
clients:
	@$(CARGO) build -q && clients/check.sh

# PostgreSQL stopped and started under the service, statement timeout, SIGTERM.
faults:
	@$(CARGO) build -q && tests/faults.sh

# A streaming replica and PgBouncer under two service processes.
replica:
	@$(CARGO) build -q && tests/replica.sh

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

openapi:
	$(CARGO) run -q -- openapi > openapi/openapi.json

db-stop:
	@scripts/pg.sh stop dev; scripts/pg.sh stop test; scripts/pg.sh stop faults

clean-data: db-stop
	rm -rf .data
