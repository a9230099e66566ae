//! Scanning: free text split into tokens at boundaries, each token looked up by its kind; the
//! string and regex engines run over the whole text; buffers of lines scanned in parallel; the
//! URLs that Zeek logs split over two columns joined.

pub mod boundary;
pub(crate) mod build;
pub(crate) mod classify;
pub(crate) mod json_log;
pub(crate) mod lines;
mod quad;
pub(crate) mod text;
mod url_join;
mod walk;
pub mod zeek;

pub use zeek::LogState;
