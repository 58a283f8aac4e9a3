//! The Frontend API (`/v1`): handlers of a few lines that extract, call one use case and
//! wrap the result in the `{ response, client }` envelope.

pub mod client;
pub mod email_addresses;
pub mod me;
pub mod reverification;
pub mod sessions;
pub mod sign_ins;
pub mod sign_ups;
