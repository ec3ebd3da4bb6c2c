"""Benchmarks for Readyline: a synthetic-hospital generator and the roster import bench.

They run on a database of their own (var/bench/bench.sqlite3 or BENCH_DATABASE_URL), never the
developer's dev database; see bench/README.md."""
