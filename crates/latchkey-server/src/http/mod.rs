//! The HTTP layer: one route table, extractors, the error mapping and the handlers.

pub mod backend;
pub mod dashboard;
pub mod dto;
pub mod error;
pub mod extract;
pub mod frontend;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod probes;
pub mod router;
pub mod well_known;
