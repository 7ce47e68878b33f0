# Shortcuts for the bin/ scripts (each works on its own too).
.PHONY: setup run test fault scale bench bench-quick fuzz i18n profile

setup:  ## virtualenv, pinned dependencies, compiled catalogues, database schema
	bin/setup

run:  ## web + worker from the Procfile (embedded Redis and SQLite unless configured)
	bin/run

test:  ## the whole test suite (what CI runs)
	bin/test -q

fault:  ## only the fault-injection tests (the scale test among them)
	bin/test -q -m fault

scale:  ## 2 web + 2 worker processes on one PostgreSQL and one Redis (skipped without PostgreSQL)
	bin/test -q -m scale -s

bench:  ## benchmarks: prints ratios and targets, writes bench/results/latest.json and .png
	bin/bench

bench-quick:  ## the same with 3-second runs, to check the harness
	bin/bench --quick

fuzz:  ## >= 10,000 generated requests through every callback and API route
	bin/fuzz

profile:  ## where a USSD hop spends its time (pyinstrument)
	SETUP_DEV=1 SKIP_MIGRATE=1 bin/setup && .venv/bin/python -m bench.profile_hop

i18n:  ## extract new strings, merge them into the catalogues, compile
	bin/i18n update && bin/i18n compile
