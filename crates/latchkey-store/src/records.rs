//! Rows of several tables read with one statement: each branch of a `UNION ALL` tags its
//! rows with a kind and encodes them as a JSON object keyed by column name, which reads
//! back into a [`Row`], so the record mappers of `rows` serve both ways of reading.

use latchkey_core::error::{Error, Result};
use latchkey_core::model::{EmailAddress, Passkey, User};
use latchkey_core::store::{AttemptRecord, ClientRecord, SessionRecord};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use crate::db::Db;
use crate::rows::{
    self, ADDRESS_CODE_COLUMNS, CLIENT_COLUMNS, EMAIL_ADDRESS_COLUMNS, EMAIL_CODE_COLUMNS,
    PASSKEY_COLUMNS, SESSION_COLUMNS, SIGN_IN_COLUMNS, SIGN_UP_COLUMNS, USER_COLUMNS,
    VERIFICATION_COLUMNS,
};
use crate::value::{Cell, Row, args};

/// The two dialects' spellings of one JSON-encoding query.
struct Dialects {
    sqlite: String,
    postgres: String,
}

impl Dialects {
    /// A `UNION ALL` of one branch per `(kind, alias, columns, from)`: the rows of `from`
    /// tagged `kind`, with `alias`'s `columns` encoded as one JSON text, in each dialect.
    /// A column spelled `expression AS name` encodes that expression under that name.
    fn new(branches: &[(&str, &str, &str, &str)]) -> Self {
        let spell = |open: &str, close: &str| {
            branches
                .iter()
                .map(|(kind, alias, columns, rest)| {
                    let pairs: Vec<String> = columns
                        .split(',')
                        .map(str::trim)
                        .map(|c| match c.split_once(" AS ") {
                            Some((expression, name)) => format!("'{name}', {expression}"),
                            None => format!("'{c}', {alias}.{c}"),
                        })
                        .collect();
                    format!(
                        "SELECT '{kind}' AS kind, {open}{}{close} AS record {rest}",
                        pairs.join(", ")
                    )
                })
                .collect::<Vec<_>>()
                .join(" UNION ALL ")
        };
        Self {
            sqlite: spell("json_object(", ")"),
            postgres: spell("json_build_object(", ")::text"),
        }
    }

    fn for_db(&self, db: &Db) -> &str {
        match db {
            Db::Sqlite(_) => &self.sqlite,
            Db::Postgres(_) => &self.postgres,
        }
    }
}

/// The live sessions of client `$1`, as a subquery of user ids.
const LIVE_SESSION_USERS: &str =
    "SELECT user_id FROM sessions WHERE client_id = $1 AND status IN ('active', 'pending')";

/// The current sign-in and sign-up of client `$1`, as a list of ids. Each branch reads its
/// table by primary key through a scalar subquery, a plan that holds whatever PostgreSQL
/// knows of the tables' sizes (a join let it scan a table it took for empty).
const CURRENT_ATTEMPTS: &str = "(SELECT sign_in_id FROM clients WHERE id = $1), (SELECT sign_up_id FROM clients WHERE id = $1)";

/// A client with its live sessions, their users and verified passkeys, its current
/// sign-in and sign-up and their verifications; `$1`: client id.
static CLIENT_RECORD: LazyLock<Dialects> = LazyLock::new(|| {
    let users = format!("FROM users u WHERE u.id IN ({LIVE_SESSION_USERS})");
    let passkeys =
        format!("FROM passkeys p WHERE p.verified = 1 AND p.user_id IN ({LIVE_SESSION_USERS})");
    // A view shows no key material: the credential and its public key, the longest
    // columns, stay in the database.
    let email_addresses = format!(
        "FROM email_addresses e LEFT JOIN email_codes k ON k.owner_id = e.id \
         WHERE e.user_id IN ({LIVE_SESSION_USERS})"
    );
    let email_address_columns = format!("{EMAIL_ADDRESS_COLUMNS}, {ADDRESS_CODE_COLUMNS}");
    // Nor a code's hash.
    let email_code_view_columns = EMAIL_CODE_COLUMNS.replace("code_hash", "NULL AS code_hash");
    let passkey_view_columns = PASSKEY_COLUMNS
        .replace("credential,", "NULL AS credential,")
        .replace("public_key", "NULL AS public_key");
    Dialects::new(&[
        (
            "client",
            "c",
            CLIENT_COLUMNS,
            "FROM clients c WHERE c.id = $1",
        ),
        (
            "session",
            "s",
            SESSION_COLUMNS,
            "FROM sessions s WHERE s.client_id = $1 AND s.status IN ('active', 'pending')",
        ),
        ("user", "u", USER_COLUMNS, &users),
        ("passkey", "p", &passkey_view_columns, &passkeys),
        (
            "sign_in",
            "a",
            SIGN_IN_COLUMNS,
            "FROM sign_ins a WHERE a.id = (SELECT sign_in_id FROM clients WHERE id = $1) AND a.client_id = $1",
        ),
        (
            "sign_up",
            "a",
            SIGN_UP_COLUMNS,
            "FROM sign_ups a WHERE a.id = (SELECT sign_up_id FROM clients WHERE id = $1) AND a.client_id = $1",
        ),
        (
            "verification",
            "v",
            VERIFICATION_COLUMNS,
            &format!("FROM verifications v WHERE v.owner_id IN ({CURRENT_ATTEMPTS})"),
        ),
        (
            "email_address",
            "e",
            &email_address_columns,
            &email_addresses,
        ),
        (
            "email_code",
            "k",
            &email_code_view_columns,
            &format!("FROM email_codes k WHERE k.owner_id IN ({CURRENT_ATTEMPTS})"),
        ),
    ])
});

/// The verified passkey with credential id `$1` and its user.
static PASSKEY_OWNER: LazyLock<Dialects> = LazyLock::new(|| {
    Dialects::new(&[
        (
            "passkey",
            "p",
            PASSKEY_COLUMNS,
            "FROM passkeys p WHERE p.credential_id = $1 AND p.verified = 1",
        ),
        (
            "user",
            "u",
            USER_COLUMNS,
            "FROM users u JOIN passkeys p ON p.user_id = u.id WHERE p.credential_id = $1 AND p.verified = 1",
        ),
    ])
});

/// Runs a tagged query; returns its rows grouped by kind, in the order read.
async fn tagged(db: &Db, sql: &Dialects, id: &str) -> Result<HashMap<String, Vec<Row>>> {
    let mut grouped: HashMap<String, Vec<Row>> = HashMap::new();
    for row in db.fetch_all(sql.for_db(db), args![id]).await? {
        let kind: String = row.get("kind")?;
        let record: String = row.get("record")?;
        grouped.entry(kind).or_default().push(json_row(&record)?);
    }
    Ok(grouped)
}

/// A JSON object of column values as a [`Row`], read straight into its cells.
fn json_row(record: &str) -> Result<Row> {
    let JsonRow(columns, cells) = serde_json::from_str(record).map_err(Error::internal)?;
    Ok(Row::new(Arc::from(columns), cells))
}

/// The columns and cells of one JSON-encoded row.
struct JsonRow(Vec<String>, Vec<Cell>);

impl<'de> Deserialize<'de> for JsonRow {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_map(JsonRowVisitor)
    }
}

struct JsonRowVisitor;

impl<'de> Visitor<'de> for JsonRowVisitor {
    type Value = JsonRow;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object of column values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<JsonRow, A::Error> {
        let mut row = JsonRow(Vec::new(), Vec::new());
        while let Some(column) = map.next_key::<String>()? {
            row.1.push(map.next_value::<JsonCell>()?.0);
            row.0.push(column);
        }
        Ok(row)
    }
}

/// One column value: null, an integer or a text.
struct JsonCell(Cell);

impl<'de> Deserialize<'de> for JsonCell {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(JsonCellVisitor)
    }
}

struct JsonCellVisitor;

impl Visitor<'_> for JsonCellVisitor {
    type Value = JsonCell;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("null, an integer or a string")
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<JsonCell, E> {
        Ok(JsonCell(Cell::Null))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<JsonCell, E> {
        Ok(JsonCell(Cell::Int(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<JsonCell, E> {
        i64::try_from(v)
            .map(|v| JsonCell(Cell::Int(v)))
            .map_err(|_| E::custom(format!("{v} is out of range")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<JsonCell, E> {
        Ok(JsonCell(Cell::Text(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<JsonCell, E> {
        Ok(JsonCell(Cell::Text(v)))
    }
}

/// The record of client `id`, read in one statement (one moment of the database).
pub async fn client_record(db: &Db, id: &str) -> Result<Option<ClientRecord>> {
    let mut rows = tagged(db, &CLIENT_RECORD, id).await?;
    let mut take = |kind: &str| rows.remove(kind).unwrap_or_default();
    let Some(client) = take("client").first().map(rows::client).transpose()? else {
        return Ok(None);
    };
    let users = take("user")
        .iter()
        .map(rows::user)
        .collect::<Result<Vec<User>>>()?;
    let mut passkeys = take("passkey")
        .iter()
        .map(rows::passkey)
        .collect::<Result<Vec<Passkey>>>()?;
    passkeys.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    let mut sessions = take("session")
        .iter()
        .map(rows::session)
        .collect::<Result<Vec<_>>>()?;
    sessions.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    let mut email_addresses = take("email_address")
        .iter()
        .map(rows::email_address)
        .collect::<Result<Vec<EmailAddress>>>()?;
    email_addresses.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let sessions = sessions
        .into_iter()
        .filter_map(|session| {
            let user = users.iter().find(|u| u.id == session.user_id)?.clone();
            let passkeys = passkeys
                .iter()
                .filter(|p| p.user_id == user.id)
                .cloned()
                .collect();
            let email_addresses = email_addresses
                .iter()
                .filter(|a| a.user_id == user.id)
                .cloned()
                .collect();
            Some(SessionRecord {
                session,
                user,
                passkeys,
                email_addresses,
            })
        })
        .collect();
    let verifications = take("verification")
        .iter()
        .map(rows::verification)
        .collect::<Result<Vec<_>>>()?;
    let email_codes = take("email_code")
        .iter()
        .map(rows::email_code)
        .collect::<Result<Vec<_>>>()?;
    let sign_in = take("sign_in").first().map(rows::sign_in).transpose()?;
    let sign_up = take("sign_up").first().map(rows::sign_up).transpose()?;
    let with_verifications = |id: &str| {
        (
            verifications.iter().find(|v| v.owner_id == id).cloned(),
            email_codes.iter().find(|c| c.owner_id == id).cloned(),
        )
    };
    let sign_in = sign_in.map(|attempt| {
        let (verification, email_code) = with_verifications(&attempt.id);
        AttemptRecord {
            attempt,
            verification,
            email_code,
        }
    });
    let sign_up = sign_up.map(|attempt| {
        let (verification, email_code) = with_verifications(&attempt.id);
        AttemptRecord {
            attempt,
            verification,
            email_code,
        }
    });
    Ok(Some(ClientRecord {
        client,
        sessions,
        sign_in,
        sign_up,
    }))
}

/// The verified passkey whose credential id is `credential_id` (base64url) and its user.
pub async fn passkey_owner(db: &Db, credential_id: &str) -> Result<Option<(Passkey, User)>> {
    let mut rows = tagged(db, &PASSKEY_OWNER, credential_id).await?;
    let mut take = |kind: &str| rows.remove(kind).unwrap_or_default();
    let passkey = take("passkey").first().map(rows::passkey).transpose()?;
    let user = take("user").first().map(rows::user).transpose()?;
    Ok(passkey.zip(user))
}
