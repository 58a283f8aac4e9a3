//! The command line: `serve`, `migrate`, `check-config`, `keys`, `users`, `admin` and
//! `mail`.

use clap::{Args, Parser, Subcommand};
use latchkey_core::auth_keys;
use latchkey_core::model::MailStatus;
use latchkey_core::store::{Page, UserFilter};
use latchkey_core::{Clock, RequestContext, SystemClock};
use std::path::PathBuf;
use std::sync::Arc;

use crate::app::Application;
use crate::config::Config;
use crate::error::StartError;
use crate::listen::bind;
use crate::mail::Templates;
use crate::state::open_store;

/// Latchkey: a self-hosted, passkey-first authentication server.
#[derive(Debug, Parser)]
#[command(name = "latchkey", version)]
pub struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "LATCHKEY_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (creates and migrates the database).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Validate the configuration and print it with secrets masked.
    CheckConfig,
    /// Manage the keys that sign session tokens.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Inspect and delete users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage the operators who run the instance from the dashboard.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Inspect the outbox (the development outbox when no SMTP relay is configured).
    #[command(subcommand)]
    Mail(MailCommand),
}

/// Flags of `serve`, overriding the file and the environment.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (server.listen).
    #[arg(long)]
    pub listen: Option<String>,
    /// Address of a separate Backend API listener (server.backend_listen).
    #[arg(long)]
    pub backend_listen: Option<String>,
    /// Public URL of the server (server.public_url).
    #[arg(long)]
    pub public_url: Option<String>,
    /// Database URL (database.url).
    #[arg(long)]
    pub database_url: Option<String>,
}

/// `latchkey keys ...`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List signing keys, newest (the signer) first.
    List,
    /// Add a new signing key; new tokens use it, old keys still verify.
    Rotate,
    /// Remove every signing key but the newest.
    Prune,
    /// Print the signing key's public key in PEM (SubjectPublicKeyInfo), for verifiers
    /// configured with one key instead of the JWKS.
    Pem,
}

/// `latchkey users ...`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List users, newest first.
    List {
        /// Username or email prefix.
        #[arg(long)]
        query: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Show one user with their passkeys.
    Show { id: String },
    /// Delete a user, their passkeys and sessions.
    Delete { id: String },
}

/// `latchkey admin ...`
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Make a user an operator (creating the user when there is none) and print a
    /// one-time link, valid for a day, that registers their passkey for the dashboard.
    Create { username: String },
}

/// `latchkey mail ...`
#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// List messages newest first, with the text of those kept in the development
    /// outbox.
    List {
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), StartError> {
    let overrides = match &cli.command {
        Command::Serve(args) => [
            ("server.listen", &args.listen),
            ("server.backend_listen", &args.backend_listen),
            ("server.public_url", &args.public_url),
            ("database.url", &args.database_url),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), toml::Value::String(v))))
        .collect(),
        _ => Vec::new(),
    };
    let config = Config::load(cli.config.as_deref(), std::env::vars(), overrides)?;
    crate::telemetry::init(config.server.log_format == "json");
    match cli.command {
        Command::Serve(_) => serve(config).await,
        Command::Migrate => {
            open_store(&config).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::CheckConfig => {
            println!(
                "configuration is valid\n\n{}",
                toml::to_string_pretty(&config.masked()).unwrap_or_default()
            );
            Ok(())
        }
        Command::Keys(command) => keys(&config, command).await,
        Command::Users(command) => users(&config, command).await,
        Command::Admin(command) => admin(&config, command).await,
        Command::Mail(command) => mail(&config, command).await,
    }
}

async fn serve(config: Config) -> Result<(), StartError> {
    let listener = bind("server.listen", config.listen_addr()?).await?;
    let backend_listener = match config.backend_listen_addr()? {
        Some(addr) => Some(bind("server.backend_listen", addr).await?),
        None => None,
    };
    let public_url = config.server.public_url.clone();
    let app =
        Application::build_with_backend(config, listener, backend_listener, Arc::new(SystemClock))
            .await?;
    println!(
        "Latchkey is listening on {} — open {public_url}",
        app.local_addr()?
    );
    if let Some(addr) = app.backend_addr()? {
        println!("Backend API is listening on {addr} only");
    }
    if let Some(key) = &app.generated_secret_key {
        println!("Backend API secret key (shown once, keep it safe): {key}");
    }
    app.run_until_stopped(shutdown_signal()).await;
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}

async fn keys(config: &Config, command: KeysCommand) -> Result<(), StartError> {
    let store = open_store(config).await?;
    match command {
        KeysCommand::List => {}
        KeysCommand::Rotate => {
            let settings = config.settings()?;
            let rotation = auth_keys::rotate_signing_keys(
                &store,
                settings.key_cipher.as_ref(),
                settings.signing_algorithm,
                SystemClock.now_ms(),
            )
            .await?;
            for kid in &rotation.encrypted {
                println!("encrypted signing key {kid}");
            }
            println!("new signing key {}", rotation.added);
        }
        KeysCommand::Prune => {
            let removed = auth_keys::prune_signing_keys(&store).await?;
            println!("removed {removed} old signing key(s)");
        }
        KeysCommand::Pem => {
            let settings = config.settings()?;
            let keys = auth_keys::list_signing_keys(&store).await?;
            let Some(signing) = keys.first() else {
                return Err(StartError::Store(latchkey_core::Error::Internal(
                    "there is no signing key yet: start the server or run `latchkey keys rotate`"
                        .into(),
                )));
            };
            if signing.algorithm != settings.signing_algorithm {
                eprintln!(
                    "note: the signing key {} is {}, keys.algorithm is {}; the server adds a \
                     {} key when it next starts",
                    signing.kid,
                    signing.algorithm.as_str(),
                    settings.signing_algorithm.as_str(),
                    settings.signing_algorithm.as_str()
                );
            }
            print!(
                "{}",
                auth_keys::signing_public_key_pem(&store, settings.key_cipher.as_ref()).await?
            );
            return Ok(());
        }
    }
    for key in auth_keys::list_signing_keys(&store).await? {
        let role = if key.signing {
            "signing"
        } else {
            "verify-only"
        };
        let at_rest = if key.encrypted {
            "encrypted"
        } else {
            "unencrypted"
        };
        println!(
            "{}\t{}\t{}\t{role}\t{at_rest}",
            key.kid,
            key.algorithm.as_str(),
            key.created_at
        );
    }
    Ok(())
}

async fn users(config: &Config, command: UsersCommand) -> Result<(), StartError> {
    let store = Arc::new(open_store(config).await?);
    let auth = latchkey_core::Auth::new(config.settings()?, store, Arc::new(SystemClock)).await?;
    match command {
        UsersCommand::List { query, limit } => {
            let (users, total) = auth
                .list_users(
                    UserFilter {
                        query: query.as_deref(),
                        starting_after: None,
                    },
                    Page { limit, offset: 0 },
                )
                .await?;
            for user in users {
                println!(
                    "{}\t{}\t{}",
                    user.id,
                    user.username.as_deref().unwrap_or("-"),
                    user.email.map(|e| e.email_address).unwrap_or_default()
                );
            }
            println!("{total} user(s)");
        }
        UsersCommand::Show { id } => {
            let view = auth.user_view(&id).await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&crate::http::dto::User::from(&view))
                    .unwrap_or_default()
            );
        }
        UsersCommand::Delete { id } => {
            auth.delete_user(&id, &RequestContext::default()).await?;
            println!("deleted {id}");
        }
    }
    Ok(())
}

async fn admin(config: &Config, command: AdminCommand) -> Result<(), StartError> {
    let AdminCommand::Create { username } = command;
    let settings = config.settings()?;
    let store = Arc::new(open_store(config).await?);
    let auth = latchkey_core::Auth::new(settings, store, Arc::new(SystemClock)).await?;
    let enrolment = auth
        .enrol_operator(&username, &RequestContext::default())
        .await?;
    let name = enrolment.user.display_name();
    println!("{name} ({}) is an operator.", enrolment.user.id);
    println!("Open this link within a day to register their passkey for the dashboard:");
    let link = crate::http::dashboard::enrolment_link(&auth.settings(), &enrolment.token);
    println!("{link}");
    Ok(())
}

async fn mail(config: &Config, command: MailCommand) -> Result<(), StartError> {
    let MailCommand::List { limit } = command;
    let templates = Templates::load(config.mail_delivery()?.templates_dir.as_deref())?;
    let store = Arc::new(open_store(config).await?);
    let auth = latchkey_core::Auth::new(config.settings()?, store, Arc::new(SystemClock)).await?;
    let (mail, total) = auth.list_mail(Page { limit, offset: 0 }).await?;
    for message in &mail {
        let rendered = templates.render(message);
        let subject = match &rendered {
            Ok(r) => r.subject.as_str(),
            Err(_) => "-",
        };
        println!(
            "{}\t{}\t{}\t{}\t{subject}",
            message.id,
            message.to,
            message.status.as_str(),
            message.created_at
        );
        if let (MailStatus::Logged, Ok(rendered)) = (message.status, &rendered) {
            for line in rendered.text.lines() {
                println!("    {line}");
            }
        }
    }
    println!("{total} message(s)");
    Ok(())
}
