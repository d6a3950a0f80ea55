//! Shared helpers of the pageseal integration tests.
