//! Typed request and response shapes of the API, each with its OpenAPI schema.

pub mod backend;
pub mod dev_mail;
pub mod documents;
pub mod kinds;
pub mod requests;
pub mod resources;
pub mod user_settings;
pub mod verifications;

pub use backend::{AuditEvent, BackendSession, LiveSettings, OperatorEnrolment, Overview, Page};
pub use documents::{
    AppleAppSiteAssociation, AssetLink, DevBrowser, Environment, Jwks, RelatedOrigins, Status,
};
pub use requests::{
    AttemptBody, ClientQuery, CreateUserBody, EmailAddressBody, EnrolmentBody, EventFilterQuery,
    ExportQuery, ImportPasskeyBody, LiveSettingsBody, OperatorBody, PageQuery, PrepareBody,
    RenameBody, SessionListQuery, SessionQuery, SignInBody, SignUpBody, UpdateMeBody,
    UserListQuery, VerifyBody,
};
pub use resources::{
    ActiveSession, Client, DeletedObject, EmailAddress, Envelope, Passkey, Session,
    SessionVerification, SignIn, SignUp, Token, User,
};
