//! Credentials: password hashing, one-time passwords, API tokens and session
//! secrets.
//!
//! Kept apart from the server so that the CLI (which creates the first
//! administrator and mints tokens offline) and the server share one
//! implementation. Two kinds of secret, two kinds of hash:
//!
//! * Passwords are chosen by people and may be weak, so they are stored as
//!   Argon2id PHC strings: slow on purpose.
//! * Tokens and session ids are 240 bits of randomness made here, so a
//!   single SHA-256 is enough to store them safely and lets the server look
//!   them up by hash on every request without an Argon2 cost.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::RngExt;
use sha2::{Digest, Sha256};

/// Characters of generated secrets: no look-alikes (0/O, 1/l/I).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// Prefix of every API token, so leaked tokens are easy to grep for.
pub const TOKEN_PREFIX: &str = "kx_";
/// Longest password accepted; Argon2 input beyond this only costs time.
pub const MAX_PASSWORD_LEN: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Why a password is refused. The message tells the user what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    #[error("the password must have at least {min} characters (it has {len})")]
    TooShort { min: usize, len: usize },
    #[error("the password must have at most {MAX_PASSWORD_LEN} characters")]
    TooLong,
    #[error("the password must not contain the username")]
    ContainsUsername,
    #[error(
        "the password must mix at least two kinds of character (lower case, upper case, digits, symbols)"
    )]
    TooUniform,
}

/// Hashes a password with Argon2id and a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Checks a password against a stored PHC string. A malformed stored hash
/// verifies nothing.
pub fn verify_password(password: &str, stored: &str) -> bool {
    if password.len() > MAX_PASSWORD_LEN {
        return false;
    }
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// Spends the same time as a real verification, for logins naming an
/// unknown user, so response times do not reveal which usernames exist.
pub fn verify_password_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash_password("kexin-dummy-password").unwrap_or_default());
    let _ = verify_password(password, stored);
}

/// Applies the password policy: length, no username inside, two classes.
pub fn check_password_policy(
    password: &str,
    username: &str,
    min_len: usize,
) -> Result<(), PasswordPolicyError> {
    let len = password.chars().count();
    if len < min_len {
        return Err(PasswordPolicyError::TooShort { min: min_len, len });
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(PasswordPolicyError::TooLong);
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return Err(PasswordPolicyError::ContainsUsername);
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|c| **c).count() < 2 {
        return Err(PasswordPolicyError::TooUniform);
    }
    Ok(())
}

fn random_string(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A one-time password for a new or reset account: 20 characters, ~117 bits.
/// It always satisfies [`check_password_policy`] for minimum lengths up to 20.
pub fn generate_one_time_password() -> String {
    loop {
        let p = random_string(20);
        if check_password_policy(&p, "", 20).is_ok() {
            return p;
        }
    }
}

/// A freshly minted API token: give `secret` to the caller once, store `hash`.
pub struct NewToken {
    pub secret: String,
    pub hash: String,
    /// What lists show to recognise the token: `kx_` and six characters.
    pub display_prefix: String,
}

/// Mints an API token: `kx_` followed by 41 random characters (~240 bits).
pub fn generate_token() -> NewToken {
    let secret = format!("{TOKEN_PREFIX}{}", random_string(41));
    NewToken {
        hash: hash_secret(&secret),
        display_prefix: secret[..TOKEN_PREFIX.len() + 6].to_string(),
        secret,
    }
}

/// A session id for the console cookie (~240 bits). Store [`hash_secret`] of it.
pub fn generate_session_secret() -> String {
    random_string(41)
}

/// Hex SHA-256 of a generated secret (token or session id).
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_verifies_only_the_right_password() {
        let h = hash_password("Correct horse 1").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Correct horse 1", &h));
        assert!(!verify_password("Correct horse 2", &h));
        assert!(!verify_password("Correct horse 1", "not a phc string"));
    }

    #[test]
    fn same_password_gets_different_salts() {
        assert_ne!(
            hash_password("Same pass 123").unwrap(),
            hash_password("Same pass 123").unwrap()
        );
    }

    #[test]
    fn policy_explains_each_refusal() {
        assert_eq!(
            check_password_policy("short1A", "bob", 12),
            Err(PasswordPolicyError::TooShort { min: 12, len: 7 })
        );
        assert_eq!(
            check_password_policy("xxBobxx12345678", "bob", 12),
            Err(PasswordPolicyError::ContainsUsername)
        );
        assert_eq!(
            check_password_policy("aaaaaaaaaaaaaa", "bob", 12),
            Err(PasswordPolicyError::TooUniform)
        );
        assert!(check_password_policy("lamp-river-stone", "bob", 12).is_ok());
        let long = "aA1".repeat(400);
        assert_eq!(
            check_password_policy(&long, "bob", 12),
            Err(PasswordPolicyError::TooLong)
        );
    }

    #[test]
    fn one_time_passwords_pass_the_policy_and_differ() {
        let a = generate_one_time_password();
        assert_eq!(a.len(), 20);
        assert!(check_password_policy(&a, "admin", 20).is_ok());
        assert_ne!(a, generate_one_time_password());
    }

    #[test]
    fn tokens_are_prefixed_and_stored_as_hash() {
        let t = generate_token();
        assert!(t.secret.starts_with("kx_") && t.secret.len() == 44);
        assert_eq!(t.hash, hash_secret(&t.secret));
        assert_eq!(t.hash.len(), 64);
        assert!(t.secret.starts_with(&t.display_prefix));
        assert_ne!(t.secret, generate_token().secret);
    }
}
