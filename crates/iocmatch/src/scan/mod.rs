//! Scanning: free text split into tokens at boundaries, each token looked up by its kind; the
//! string and regex engines run over the whole text; buffers of lines scanned in parallel.

pub mod boundary;
pub(crate) mod build;
pub(crate) mod classify;
pub(crate) mod lines;
mod quad;
pub(crate) mod text;
mod walk;
