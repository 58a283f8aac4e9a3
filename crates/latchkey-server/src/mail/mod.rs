//! Mail delivery: the [`templates`] of each message, the [`smtp`] relay, and the
//! [`worker`] that sends the outbox from every replica. Without a relay
//! (`email.smtp_host` unset) messages stay in the development outbox, logged.

pub mod language;
pub mod smtp;
pub mod templates;
pub mod worker;

pub use templates::{Rendered, Templates};
pub use worker::MailWorker;
