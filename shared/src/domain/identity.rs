//! Who is calling: the roles of the portal and the caller built from the claims that the
//! API Gateway JWT authorizer has already verified. Identity never comes from a request body.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// The roles a portal user can hold; staff roles see every account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Reseller,
    FirstLine,
    SecondLine,
    ThirdLine,
    TuningSpecialist,
    Manager,
}

impl Role {
    /// Parses the `role` claim.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "customer" => Self::Customer,
            "reseller" => Self::Reseller,
            "first_line" => Self::FirstLine,
            "second_line" => Self::SecondLine,
            "third_line" => Self::ThirdLine,
            "tuning_specialist" => Self::TuningSpecialist,
            "manager" => Self::Manager,
            _ => return None,
        })
    }

    /// Support staff (every role but the customer-side ones).
    pub fn is_staff(self) -> bool {
        !matches!(self, Self::Customer | Self::Reseller)
    }
}

/// A language the portal writes e-mails in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Fr,
}

impl Language {
    /// Reads a `locale` claim such as `fr`, `fr-FR` or `en_GB`; anything else is English.
    pub fn from_locale(locale: &str) -> Self {
        let primary = locale.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("fr") {
            Self::Fr
        } else {
            Self::En
        }
    }

    /// The two-letter code used to pick templates.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }
}

/// The authenticated user behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The customer account of a customer user.
    pub account_id: Option<String>,
    /// The accounts a reseller manages.
    pub managed_account_ids: Vec<String>,
    pub language: Language,
}

/// What is wrong with the claims; the API answers 401 for any of these.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdentityError {
    #[error("the request carries no verified identity")]
    Missing,
    #[error("the identity has no usable `{0}` claim")]
    BadClaim(&'static str),
}

/// Longest id (user, account) a claim may carry, in bytes.
pub const MAX_ID_BYTES: usize = 128;
/// Most accounts one reseller may manage through the portal.
pub const MAX_MANAGED_ACCOUNTS: usize = 200;

/// Which tickets a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility<'a> {
    Everything,
    Accounts(&'a [String]),
}

impl Caller {
    /// Builds the caller from JWT claims as API Gateway passes them (every value a string).
    pub fn from_claims(claims: &HashMap<String, String>) -> Result<Self, IdentityError> {
        if claims.is_empty() {
            return Err(IdentityError::Missing);
        }
        let text = |name: &'static str| {
            claims
                .get(name)
                .map(|v| clean_claim(v))
                .filter(|v| !v.is_empty())
        };
        // Ids become parts of storage keys: bounded, and never blank.
        let id = |name: &'static str| match text(name) {
            Some(v) if v.len() > MAX_ID_BYTES => Err(IdentityError::BadClaim(name)),
            other => Ok(other),
        };
        let user_id = id("sub")?.ok_or(IdentityError::BadClaim("sub"))?;
        let email = text("email")
            .filter(|e| crate::domain::text::is_valid_email(e))
            .ok_or(IdentityError::BadClaim("email"))?;
        let role = text("role")
            .and_then(|r| Role::parse(&r))
            .ok_or(IdentityError::BadClaim("role"))?;
        let name =
            crate::domain::text::shorten(&text("name").unwrap_or_else(|| email.clone()), 120);
        let language = text("locale")
            .map(|l| Language::from_locale(&l))
            .unwrap_or_default();

        let account_id = id("account_id")?;
        let managed_account_ids = claims
            .get("managed_account_ids")
            .map(|v| parse_list_claim(v))
            .unwrap_or_default();
        if managed_account_ids.len() > MAX_MANAGED_ACCOUNTS
            || managed_account_ids
                .iter()
                .any(|a| a.len() > MAX_ID_BYTES || crate::domain::text::has_line_breaks(a))
        {
            return Err(IdentityError::BadClaim("managed_account_ids"));
        }
        match role {
            Role::Customer if account_id.is_none() => {
                return Err(IdentityError::BadClaim("account_id"));
            }
            Role::Reseller if managed_account_ids.is_empty() => {
                return Err(IdentityError::BadClaim("managed_account_ids"));
            }
            _ => {}
        }

        Ok(Self {
            user_id,
            email,
            name,
            role,
            account_id,
            managed_account_ids,
            language,
        })
    }

    /// Which accounts' tickets this caller may see.
    pub fn visibility(&self) -> Visibility<'_> {
        match self.role {
            Role::Customer => Visibility::Accounts(self.account_id.as_slice()),
            Role::Reseller => Visibility::Accounts(&self.managed_account_ids),
            _ => Visibility::Everything,
        }
    }

    /// Whether this caller may see the tickets of `account_id`.
    pub fn can_see_account(&self, account_id: &str) -> bool {
        match self.visibility() {
            Visibility::Everything => true,
            Visibility::Accounts(ids) => ids.iter().any(|id| id == account_id),
        }
    }
}

/// Display names and ids from a token are shown in e-mails: no control characters, one line.
fn clean_claim(value: &str) -> String {
    crate::domain::text::single_line(value)
}

/// API Gateway renders an array claim as `[a b c]`; a JSON array or a comma list is accepted too.
fn parse_list_claim(value: &str) -> Vec<String> {
    let ids: Vec<String> = match serde_json::from_str::<Vec<String>>(value) {
        Ok(list) => list,
        Err(_) => value
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split([' ', ','])
            .map(str::to_owned)
            .collect(),
    };
    let mut unique: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !unique.iter().any(|u| u == id) {
            unique.push(id.to_owned());
        }
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_customer_needs_an_account() {
        let c = claims(&[
            ("sub", "u1"),
            ("email", "a@b.example"),
            ("role", "customer"),
        ]);
        assert_eq!(
            Caller::from_claims(&c),
            Err(IdentityError::BadClaim("account_id"))
        );
    }

    #[test]
    fn no_claims_is_no_identity() {
        assert_eq!(
            Caller::from_claims(&HashMap::new()),
            Err(IdentityError::Missing)
        );
    }

    #[test]
    fn reseller_accounts_come_from_the_gateway_array_form() {
        let c = claims(&[
            ("sub", "r1"),
            ("email", "r@partner.example"),
            ("role", "reseller"),
            ("managed_account_ids", "[acc-a acc-b acc-a]"),
        ]);
        let caller = Caller::from_claims(&c).expect("valid reseller");
        assert_eq!(caller.managed_account_ids, vec!["acc-a", "acc-b"]);
        assert!(caller.can_see_account("acc-b"));
        assert!(!caller.can_see_account("acc-c"));
    }

    #[test]
    fn a_name_with_line_breaks_becomes_one_line() {
        let c = claims(&[
            ("sub", "u1"),
            ("email", "a@b.example"),
            ("role", "first_line"),
            ("name", "Eve\r\nBcc: x@evil.example"),
            ("locale", "fr-FR"),
        ]);
        let caller = Caller::from_claims(&c).expect("valid staff");
        assert_eq!(caller.name, "Eve Bcc: x@evil.example");
        assert_eq!(caller.language, Language::Fr);
        assert!(caller.role.is_staff());
    }
}
