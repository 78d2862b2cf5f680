//! The TOTP second factor: a user enrols one themselves (offered, then confirmed with a
//! code from their authenticator app) and administrators reset it.
//!
//! A secret offered by [`Service::begin_totp_enrolment`] is kept in memory, not in the
//! account, for [`PENDING_MINUTES`]; only a confirmed secret is written to the account,
//! so an abandoned enrolment never locks anybody out. An account that already has a
//! factor cannot enrol another from a session (whoever holds a stolen session could
//! otherwise swap the factor): an administrator resets it first.

use chrono::Duration;
use store::{AuditAction, AuditOutcome, UserAccount};

use crate::*;

/// How long an offered secret waits for its confirmation.
pub const PENDING_MINUTES: i64 = 10;

/// The issuer authenticator apps show next to the account.
const ISSUER: &str = "Interdict";

impl Service {
    /// Offers the signed-on user a new TOTP secret and its `otpauth://` URI. The
    /// secret is kept pending (replacing any earlier offer) until
    /// [`Service::confirm_totp_enrolment`] confirms a code from it.
    pub fn begin_totp_enrolment(&self, actor: &Actor) -> ServiceResult<TotpEnrolment> {
        let account = self.enrolling_account(actor)?;
        let secret = auth::totp::new_secret();
        let uri = auth::totp::provisioning_uri(&secret, &account.id, ISSUER);
        let now = Self::now();
        let mut pending = self.pending_enrolments();
        pending.retain(|_, (_, offered)| !Self::expired(*offered, now));
        pending.insert(account.id.clone(), (secret.clone(), now));
        Ok(TotpEnrolment { secret, uri })
    }

    /// Checks `code` against the secret offered to the signed-on user and, when it
    /// matches, enrols that secret on the account (audited as a permission change).
    /// A wrong code is a bad request and the offer stays open until it expires.
    pub fn confirm_totp_enrolment(&self, actor: &Actor, code: &str) -> ServiceResult<()> {
        let mut account = self.enrolling_account(actor)?;
        let now = Self::now();
        let secret = {
            let mut pending = self.pending_enrolments();
            pending.retain(|_, (_, offered)| !Self::expired(*offered, now));
            pending.get(&account.id).map(|(secret, _)| secret.clone())
        };
        let Some(secret) = secret else {
            return Err(ServiceError::BadRequest(format!(
                "no enrolment is pending (offers last {PENDING_MINUTES} minutes): start again"
            )));
        };
        if !auth::totp::verify(&secret, code.trim(), now.timestamp(), 1) {
            self.audit(
                actor,
                AuditAction::PermissionChange,
                format!("totp enrolled;user={}", account.id),
                "wrong confirmation code",
                AuditOutcome::Denied,
            )?;
            return Err(ServiceError::BadRequest(
                "wrong code: give the current code of the authenticator app".to_string(),
            ));
        }
        account.totp_secret = Some(secret);
        self.store.directory().update_user(&account)?;
        self.pending_enrolments().remove(&account.id);
        self.audit(
            actor,
            AuditAction::PermissionChange,
            format!("totp enrolled;user={}", account.id),
            "",
            AuditOutcome::Allowed,
        )
    }

    /// Removes a user's TOTP secret (administrators only; audited). In server mode the
    /// user cannot sign on again until a factor is enrolled (`interdict users totp`).
    pub fn reset_second_factor(&self, actor: &Actor, user: &str) -> ServiceResult<UserView> {
        let target = format!("totp reset;user={user}");
        self.require_administrator(actor, AuditAction::PermissionChange, &target, "accounts")?;
        let directory = self.store.directory();
        let Some(mut account) = directory.user(user)? else {
            return Err(ServiceError::NotFound(format!("no user {user:?}")));
        };
        let had_one = account.totp_secret.is_some();
        account.totp_secret = None;
        directory.update_user(&account)?;
        self.pending_enrolments().remove(user);
        self.audit(
            actor,
            AuditAction::PermissionChange,
            target,
            if had_one {
                ""
            } else {
                "no factor was enrolled"
            },
            AuditOutcome::Allowed,
        )?;
        // No factor now: `second_factor` is false.
        Ok(UserView::of(&account))
    }

    /// The account of a user enrolling: signed on with a session (not an API token),
    /// usable, and without a factor yet.
    fn enrolling_account(&self, actor: &Actor) -> ServiceResult<UserAccount> {
        if actor.scopes.is_some() {
            return Err(ServiceError::Forbidden(
                "a second factor is enrolled from a signed-on session, not with an API token"
                    .to_string(),
            ));
        }
        let account = match self.store.directory().user(&actor.user.id)? {
            Some(account) if account.locked_at.is_some() => return Err(ServiceError::Locked),
            Some(account) if !account.disabled => account,
            _ => {
                return Err(ServiceError::Unauthenticated(
                    "the account is no longer active".to_string(),
                ));
            }
        };
        if account.totp_secret.is_some() {
            return Err(ServiceError::BadRequest(
                "a second factor is already enrolled: an administrator must reset it first"
                    .to_string(),
            ));
        }
        Ok(account)
    }

    fn pending_enrolments(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (String, DateTime<Utc>)>> {
        self.pending_totp
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn expired(offered: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now - offered >= Duration::minutes(PENDING_MINUTES)
    }
}
