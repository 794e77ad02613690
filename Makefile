# Nuage — the two set-up commands are `make run` and `make test`; each installs what it needs first.
SHELL := /bin/bash
SWIFT ?= swift
DATA ?= ./nuage-data

.PHONY: run test test-toolkit test-app build bootstrap bench fuzz fuzz-smoke format clean dictionary

## The archive server in the foreground with the embedded defaults (HTTP :8080, DICOM :11112 as NUAGE, SQLite +
## files in ./nuage-data).
run: bootstrap
	$(SWIFT) build --product nuage
	$$($(SWIFT) build --show-bin-path)/nuage serve

test: bootstrap test-toolkit test-app fuzz-smoke

## The DICOM toolkit on its own (SwiftNIO is its only dependency).
test-toolkit:
	$(SWIFT) test --package-path DICOMKit

## The app package: archive, services, command line. The index suite runs against SQLite and a real PostgreSQL,
## which scripts/postgres-test-server starts on 127.0.0.1:55432 (or reuses); `scripts/postgres-test-server stop`.
test-app:
	url=$$(scripts/postgres-test-server) || exit 1; NUAGE_TEST_POSTGRES_URL=$$url $(SWIFT) test

build: bootstrap
	$(SWIFT) build

bootstrap:
	@scripts/bootstrap

## Regenerates the data dictionary from pydicom's tables (committed; run after a pydicom upgrade).
dictionary: bootstrap
	python3 scripts/generate-dictionary.py

## Release build, then the benchmarks side by side with the peers; figures go to docs/benchmarks.md.
bench: bootstrap
	scripts/bench

## Long libFuzzer run of the data set parser (FUZZ_SECONDS, default 600; FUZZ_MODE=json for the JSON decoder,
## FUZZ_MODE=codecs for the pixel decoders).
fuzz: bootstrap
	scripts/fuzz $${FUZZ_SECONDS:-600} $${FUZZ_MODE:-parser}

## A short libFuzzer run, part of `make test`: the parsers, the DICOM JSON decoder, then the pixel decoders.
fuzz-smoke:
	scripts/fuzz 20 && scripts/fuzz 10 json && scripts/fuzz 10 codecs

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests DICOMKit/Package.swift DICOMKit/Sources DICOMKit/Tests

clean:
	rm -rf .build DICOMKit/.build
