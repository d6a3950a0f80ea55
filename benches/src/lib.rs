//! Benchmarks of pageseal (criterion benches and peer comparisons arrive
//! with the dispatch issue).
