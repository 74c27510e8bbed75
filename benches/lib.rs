//! Benchmarks live beside this file; this library only holds shared fixtures.
#![forbid(unsafe_code)]
