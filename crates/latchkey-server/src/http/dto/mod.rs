//! Typed request and response shapes of the API, each with its OpenAPI schema.

pub mod backend;
pub mod dev_mail;
pub mod documents;
pub mod kinds;
pub mod requests;
pub mod resources;

pub use backend::{AuditEvent, Page};
pub use documents::{
    AppleAppSiteAssociation, AssetLink, Environment, Jwks, RelatedOrigins, Status,
};
pub use requests::{
    AttemptBody, ClientQuery, CreateUserBody, EventListQuery, PrepareBody, RenameBody,
    SessionListQuery, SessionQuery, SignInBody, SignUpBody, UserListQuery,
};
pub use resources::{
    Client, DeletedObject, Envelope, Passkey, Session, SignIn, SignUp, Token, User,
};
