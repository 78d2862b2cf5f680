//! Log-on, sessions, API tokens, and the administration of accounts, agencies and cases.

use std::collections::BTreeSet;

use access::Role;
use auth::{Scope, SessionState};
use chrono::Duration;
use model::Sensitivity;
use store::{
    ApiToken, AuditAction, AuditOutcome, AuditQuery, CaseFile, LogonAttempt, Session, UserAccount,
};

use crate::*;

/// A session's `last_seen` is written at most this often (every request would make
/// each read a durable write); idle locking is exact to within this.
const TOUCH_EVERY_SECONDS: i64 = 30;

/// What a wrong user name and a wrong password both answer, so that neither is told
/// apart.
const BAD_CREDENTIALS: &str = "wrong user name or password";

impl Service {
    /// Checks a password (and TOTP code) and opens a session. Every attempt is
    /// audited; the fifth failure within the lockout window locks the account.
    pub fn log_on(&self, request: &LogonRequest, source: &str) -> ServiceResult<LogonGranted> {
        let now = Self::now();
        let directory = self.store.directory();
        let user_id = request.user.trim();
        let account = directory.user(user_id)?;
        let refuse = |agency: &str, why: &str| -> ServiceResult<()> {
            self.store.audit().append(store::NewAuditEntry {
                actor: user_id.to_string(),
                actor_agency: agency.to_string(),
                action: AuditAction::LogOn,
                target: format!("user={user_id}"),
                reason: why.to_string(),
                case_number: None,
                source: source.to_string(),
                outcome: AuditOutcome::Denied,
            })?;
            Ok(())
        };
        let Some(account) = account.filter(|account| !account.disabled) else {
            auth::dummy_verify(&request.password);
            refuse("", "unknown or disabled account")?;
            return Err(ServiceError::Unauthenticated(BAD_CREDENTIALS.to_string()));
        };
        if account.locked_at.is_some() {
            refuse(&account.agency, "account locked")?;
            return Err(ServiceError::Locked);
        }
        let password_ok = auth::verify_password(&account.password_hash, &request.password);
        let second_factor = match (&account.totp_secret, password_ok) {
            (_, false) => Err(BAD_CREDENTIALS),
            (None, true) if self.settings.require_second_factor => {
                refuse(&account.agency, "no second factor enrolled")?;
                return Err(ServiceError::Forbidden(
                    "this server requires a second factor and the account has none: ask an administrator to enrol one"
                        .to_string(),
                ));
            }
            (None, true) => Ok(false),
            (Some(secret), true) => match request.totp.as_deref().map(str::trim) {
                None | Some("") => {
                    refuse(&account.agency, "second factor missing")?;
                    return Err(ServiceError::SecondFactorRequired);
                }
                Some(code) if auth::totp::verify(secret, code, now.timestamp(), 1) => Ok(true),
                Some(_) => Err("wrong second-factor code"),
            },
        };
        let second_factor = match second_factor {
            Ok(second_factor) => second_factor,
            Err(why) => {
                directory.record_logon_attempt(&LogonAttempt {
                    user: account.id.clone(),
                    at: now,
                    succeeded: false,
                    source: source.to_string(),
                })?;
                refuse(&account.agency, why)?;
                let failures = directory
                    .recent_failures(&account.id, self.settings.lockout.window_start(now))?;
                if self.settings.lockout.locks_after(failures) {
                    directory.lock_user(&account.id, now)?;
                    self.store.audit().append(store::NewAuditEntry {
                        actor: "interdict".to_string(),
                        actor_agency: account.agency.clone(),
                        action: AuditAction::PermissionChange,
                        target: format!("lock;user={}", account.id),
                        reason: format!("{failures} failed log-ons within the lockout window"),
                        case_number: None,
                        source: source.to_string(),
                        outcome: AuditOutcome::Allowed,
                    })?;
                    return Err(ServiceError::Locked);
                }
                return Err(if why == BAD_CREDENTIALS {
                    ServiceError::Unauthenticated(BAD_CREDENTIALS.to_string())
                } else {
                    ServiceError::SecondFactorRequired
                });
            }
        };
        directory.record_logon_attempt(&LogonAttempt {
            user: account.id.clone(),
            at: now,
            succeeded: true,
            source: source.to_string(),
        })?;
        let secret = auth::new_session_secret();
        let session = Session {
            id_hash: secret.hash.clone(),
            user: account.id.clone(),
            created_at: now,
            last_seen: now,
            second_factor,
            source: source.to_string(),
            ended_at: None,
        };
        directory.create_session(&session)?;
        let actor = self.actor_of(&account, Some(secret.hash.clone()), None, source)?;
        self.audit(
            &actor,
            AuditAction::LogOn,
            format!("user={}", account.id),
            if second_factor {
                "password and TOTP"
            } else {
                "password"
            },
            AuditOutcome::Allowed,
        )?;
        Ok(LogonGranted {
            session: secret.plain.clone(),
            me: self.me_with(&actor, Some(&session))?,
        })
    }

    /// Builds the actor of an account: roles, clearance, caveats, case memberships.
    fn actor_of(
        &self,
        account: &UserAccount,
        session: Option<String>,
        scopes: Option<BTreeSet<Scope>>,
        source: &str,
    ) -> ServiceResult<Actor> {
        let roles = parse_roles(&account.roles)?;
        let cases = self
            .store
            .directory()
            .cases()?
            .into_iter()
            .filter(|case| case.members.contains(&account.id))
            .map(|case| access::CaseId(case.id))
            .collect();
        Ok(Actor {
            user: access::User {
                id: account.id.clone(),
                agency: account.agency.clone(),
                roles,
                cases,
                clearance: account.clearance,
                caveats: account
                    .caveats
                    .iter()
                    .map(|caveat| caveat.to_uppercase())
                    .collect(),
            },
            display_name: account.display_name.clone(),
            session,
            scopes,
            source: source.to_string(),
            case: None,
        })
    }

    /// The usable account of an actor's user id (not locked, not disabled).
    fn usable_account(&self, user: &str) -> ServiceResult<UserAccount> {
        match self.store.directory().user(user)? {
            Some(account) if !account.disabled && account.locked_at.is_none() => Ok(account),
            Some(account) if account.locked_at.is_some() => Err(ServiceError::Locked),
            _ => Err(ServiceError::Unauthenticated(
                "the account is no longer active".to_string(),
            )),
        }
    }

    /// The actor behind a session secret (as the client presents it). An idle or
    /// expired session is refused and ended; an active one is touched.
    pub fn session_actor(&self, secret: &str, source: &str) -> ServiceResult<Actor> {
        let now = Self::now();
        let directory = self.store.directory();
        let hash = auth::secret_hash(secret);
        let Some(session) = directory
            .session(&hash)?
            .filter(|session| session.ended_at.is_none())
        else {
            return Err(ServiceError::Unauthenticated(
                "not signed on (or the session has ended)".to_string(),
            ));
        };
        match self
            .settings
            .sessions
            .state(session.created_at, session.last_seen, now)
        {
            SessionState::Active => {}
            state => {
                directory.end_session(&hash, now)?;
                return Err(ServiceError::Unauthenticated(
                    match state {
                        SessionState::Expired => {
                            "the session reached its 12-hour limit: sign on again"
                        }
                        _ => "the session locked after 30 minutes without activity: sign on again",
                    }
                    .to_string(),
                ));
            }
        }
        let account = self.usable_account(&session.user)?;
        if now - session.last_seen >= Duration::seconds(TOUCH_EVERY_SECONDS) {
            directory.touch_session(&hash, now, false)?;
        }
        self.actor_of(&account, Some(hash), None, source)
    }

    /// The actor behind an API token (`itk_…`), with its scopes.
    pub fn token_actor(&self, secret: &str, source: &str) -> ServiceResult<Actor> {
        let now = Self::now();
        let refused =
            || ServiceError::Unauthenticated("unknown, expired or revoked token".to_string());
        let token = self
            .store
            .directory()
            .token_by_hash(&auth::secret_hash(secret))?
            .ok_or_else(refused)?;
        if token.revoked_at.is_some() || token.expires_at.is_some_and(|expires| expires <= now) {
            return Err(refused());
        }
        let scopes = auth::parse_scopes(&token.scopes)
            .map_err(|error| ServiceError::Internal(error.to_string()))?;
        let account = self.usable_account(&token.user)?;
        self.actor_of(&account, None, Some(scopes), source)
    }

    /// Ends the actor's session.
    pub fn log_off(&self, actor: &Actor) -> ServiceResult<()> {
        if let Some(session) = &actor.session {
            self.store.directory().end_session(session, Self::now())?;
        }
        self.audit(
            actor,
            AuditAction::LogOff,
            format!("user={}", actor.user.id),
            "",
            AuditOutcome::Allowed,
        )
    }

    /// The signed-on user.
    pub fn me(&self, actor: &Actor) -> ServiceResult<Me> {
        let session = match &actor.session {
            Some(hash) => self.store.directory().session(hash)?,
            None => None,
        };
        self.me_with(actor, session.as_ref())
    }

    fn me_with(&self, actor: &Actor, session: Option<&Session>) -> ServiceResult<Me> {
        let user = &actor.user;
        let mut abilities = Vec::new();
        if user
            .roles
            .iter()
            .any(|role| role.reads(model::DataClass::PublicHealth))
        {
            abilities.push("records".to_string());
        }
        if user.roles.iter().any(|role| role.is_law_enforcement()) {
            abilities.push("link_analysis".to_string());
            abilities.push("operations".to_string());
        }
        if access::may_read_audit_log(user) {
            abilities.push("audit".to_string());
        }
        if user.has_role(Role::Administrator) {
            abilities.push("admin".to_string());
        }
        let snapshot = self.current();
        Ok(Me {
            user: user.id.clone(),
            display_name: actor.display_name.clone(),
            agency: user.agency.clone(),
            agency_name: snapshot.agency_name(&user.agency),
            roles: user.roles.iter().map(|role| role_name(*role)).collect(),
            clearance: user.clearance.to_string(),
            caveats: user.caveats.iter().cloned().collect(),
            cases: user.cases.iter().map(|case| case.0.clone()).collect(),
            abilities,
            idle_timeout_seconds: self.settings.sessions.idle.num_seconds(),
            session_expires_at: session
                .map(|session| (session.created_at + self.settings.sessions.absolute).to_rfc3339()),
        })
    }

    /// Issues an API token for the actor with some of their rights; returns its public
    /// id and the secret (shown once).
    pub fn issue_token(
        &self,
        actor: &Actor,
        label: &str,
        scopes: &[String],
    ) -> ServiceResult<(String, String)> {
        if actor.scopes.is_some() {
            return Err(ServiceError::Forbidden(
                "tokens are issued from a signed-on session, not from another token".to_string(),
            ));
        }
        let scopes = auth::parse_scopes(scopes)
            .map_err(|error| ServiceError::BadRequest(error.to_string()))?;
        if scopes.is_empty() {
            return Err(ServiceError::BadRequest(
                "give at least one scope".to_string(),
            ));
        }
        for scope in &scopes {
            let allowed = match scope {
                Scope::Read | Scope::Write | Scope::Ingest => actor
                    .user
                    .roles
                    .iter()
                    .any(|role| role.is_law_enforcement() || *role == Role::Epidemiologist),
                Scope::Audit => access::may_read_audit_log(&actor.user),
                Scope::Admin => actor.user.has_role(Role::Administrator),
            };
            if !allowed {
                return Err(ServiceError::Forbidden(format!(
                    "your roles do not allow the {scope} scope"
                )));
            }
        }
        let (id, secret) = auth::new_api_token();
        let now = Self::now();
        self.store.directory().create_token(&ApiToken {
            id: id.clone(),
            secret_hash: secret.hash.clone(),
            user: actor.user.id.clone(),
            scopes: scopes
                .iter()
                .map(|scope| scope.as_str().to_string())
                .collect(),
            label: label.to_string(),
            created_at: now,
            expires_at: Some(now + Duration::days(90)),
            revoked_at: None,
        })?;
        self.audit(
            actor,
            AuditAction::PermissionChange,
            format!(
                "token={id};scopes={}",
                scopes
                    .iter()
                    .map(|scope| scope.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            label,
            AuditOutcome::Allowed,
        )?;
        Ok((id, secret.plain.clone()))
    }

    /// Administrators only (a token needs the admin scope). A refusal is audited as
    /// `action` and answered "only administrators manage {manages}".
    pub(crate) fn require_administrator(
        &self,
        actor: &Actor,
        action: AuditAction,
        what: &str,
        manages: &str,
    ) -> ServiceResult<()> {
        if !actor.user.has_role(Role::Administrator) || !queries::has_scope(actor, Scope::Admin) {
            self.audit(
                actor,
                action,
                what,
                "not an administrator",
                AuditOutcome::Denied,
            )?;
            return Err(ServiceError::Forbidden(format!(
                "only administrators manage {manages}"
            )));
        }
        Ok(())
    }

    /// Accounts (administrators only).
    pub fn users(&self, actor: &Actor) -> ServiceResult<Vec<UserView>> {
        self.require_administrator(
            actor,
            AuditAction::PrivilegedAction,
            "list users",
            "accounts",
        )?;
        Ok(self
            .store
            .directory()
            .users()?
            .iter()
            .map(UserView::of)
            .collect())
    }

    /// Creates an account or changes its rights (administrators only; audited as a
    /// permission change).
    pub fn put_user(&self, actor: &Actor, request: &UserRequest) -> ServiceResult<UserView> {
        self.require_administrator(
            actor,
            AuditAction::PrivilegedAction,
            &format!("put user={}", request.id),
            "accounts",
        )?;
        let id = request.id.trim();
        if id.is_empty() || id.chars().any(char::is_whitespace) {
            return Err(ServiceError::BadRequest(
                "a user id is one word".to_string(),
            ));
        }
        parse_roles(&request.roles)?;
        if request.roles.is_empty() {
            return Err(ServiceError::BadRequest(
                "give at least one role".to_string(),
            ));
        }
        let clearance: Sensitivity = request.clearance.parse().map_err(|_| {
            ServiceError::BadRequest(format!("{:?} is not a clearance", request.clearance))
        })?;
        let directory = self.store.directory();
        if !directory
            .agencies()?
            .iter()
            .any(|agency| agency.id == request.agency)
        {
            return Err(ServiceError::BadRequest(format!(
                "no agency {:?}",
                request.agency
            )));
        }
        let password_hash = request
            .password
            .as_deref()
            .map(auth::hash_password)
            .transpose()
            .map_err(|error| ServiceError::BadRequest(error.to_string()))?;
        let existing = directory.user(id)?;
        let account = match existing {
            Some(existing) => UserAccount {
                agency: request.agency.clone(),
                display_name: request.display_name.clone(),
                roles: request.roles.clone(),
                clearance,
                caveats: request
                    .caveats
                    .iter()
                    .map(|caveat| caveat.trim().to_uppercase())
                    .collect(),
                password_hash: password_hash.unwrap_or(existing.password_hash.clone()),
                ..existing
            },
            None => UserAccount {
                id: id.to_string(),
                agency: request.agency.clone(),
                display_name: request.display_name.clone(),
                roles: request.roles.clone(),
                clearance,
                caveats: request
                    .caveats
                    .iter()
                    .map(|caveat| caveat.trim().to_uppercase())
                    .collect(),
                password_hash: password_hash.ok_or_else(|| {
                    ServiceError::BadRequest("a new account needs a password".to_string())
                })?,
                totp_secret: None,
                locked_at: None,
                disabled: false,
                created_at: Self::now(),
            },
        };
        if directory.user(id)?.is_some() {
            directory.update_user(&account)?;
        } else {
            directory.create_user(&account)?;
        }
        self.audit(
            actor,
            AuditAction::PermissionChange,
            account_audit_target(&account),
            "",
            AuditOutcome::Allowed,
        )?;
        Ok(UserView::of(&account))
    }

    /// Releases a locked account (administrators only).
    pub fn unlock_user(&self, actor: &Actor, user: &str) -> ServiceResult<UserView> {
        self.require_administrator(
            actor,
            AuditAction::PrivilegedAction,
            &format!("unlock user={user}"),
            "accounts",
        )?;
        let directory = self.store.directory();
        if directory.user(user)?.is_none() {
            return Err(ServiceError::NotFound(format!("no user {user:?}")));
        }
        directory.unlock_user(user, Self::now())?;
        self.audit(
            actor,
            AuditAction::PermissionChange,
            format!("unlock;user={user}"),
            "",
            AuditOutcome::Allowed,
        )?;
        let account = directory
            .user(user)?
            .ok_or_else(|| ServiceError::NotFound(format!("no user {user:?}")))?;
        Ok(UserView::of(&account))
    }

    /// Agencies of the task force (any signed-on user).
    pub fn agencies(&self, _actor: &Actor) -> ServiceResult<Vec<store::Agency>> {
        Ok(self.store.directory().agencies()?)
    }

    /// Cases the actor is a member of; administrators see all, supervisors their
    /// agency's.
    pub fn cases(&self, actor: &Actor) -> ServiceResult<Vec<CaseFile>> {
        let user = &actor.user;
        Ok(self
            .store
            .directory()
            .cases()?
            .into_iter()
            .filter(|case| {
                user.has_role(Role::Administrator)
                    || (user.has_role(Role::Supervisor) && case.agency == user.agency)
                    || case.members.contains(&user.id)
            })
            .collect())
    }

    /// Adds a member to a case (a supervisor of the case's agency or an administrator).
    pub fn add_case_member(&self, actor: &Actor, case: &str, user: &str) -> ServiceResult<()> {
        let directory = self.store.directory();
        let file = directory
            .case(case)?
            .ok_or_else(|| ServiceError::NotFound(format!("no case {case:?}")))?;
        let allowed = actor.user.has_role(Role::Administrator)
            || (actor.user.has_role(Role::Supervisor) && actor.user.agency == file.agency);
        if !allowed {
            self.audit(
                actor,
                AuditAction::PermissionChange,
                format!("case={case};add={user}"),
                "",
                AuditOutcome::Denied,
            )?;
            return Err(ServiceError::Forbidden(
                "only a supervisor of the case's agency or an administrator adds members"
                    .to_string(),
            ));
        }
        if directory.user(user)?.is_none() {
            return Err(ServiceError::NotFound(format!("no user {user:?}")));
        }
        directory.add_case_member(case, user)?;
        self.audit(
            actor,
            AuditAction::PermissionChange,
            format!("case={case};add={user}"),
            "",
            AuditOutcome::Allowed,
        )?;
        // Case membership changes what records the user may read.
        self.reload()
    }

    fn require_auditor(&self, actor: &Actor, what: &str) -> ServiceResult<()> {
        if !access::may_read_audit_log(&actor.user) || !queries::has_scope(actor, Scope::Audit) {
            self.audit(
                actor,
                AuditAction::AuditAccess,
                what,
                "not an auditor",
                AuditOutcome::Denied,
            )?;
            return Err(ServiceError::Forbidden(
                "only auditors read the audit log".to_string(),
            ));
        }
        Ok(())
    }

    /// The audit log, newest first (auditors only; reading it is itself audited).
    pub fn audit_log(
        &self,
        actor: &Actor,
        limit: usize,
        before_sequence: Option<u64>,
    ) -> ServiceResult<Vec<store::AuditEntry>> {
        self.require_auditor(actor, "read audit log")?;
        let limit = limit.clamp(1, 1000) as u64;
        let entries = match before_sequence {
            None => self.store.audit().entries(&AuditQuery {
                newest_first: true,
                limit,
                ..AuditQuery::default()
            })?,
            Some(before) => {
                let mut page = self.store.audit().entries(&AuditQuery {
                    after_sequence: Some(before.saturating_sub(limit + 1)),
                    limit,
                    ..AuditQuery::default()
                })?;
                page.retain(|entry| entry.sequence < before);
                page.reverse();
                page
            }
        };
        self.audit(
            actor,
            AuditAction::AuditAccess,
            format!("read;entries={}", entries.len()),
            "",
            AuditOutcome::Allowed,
        )?;
        Ok(entries)
    }

    /// Verifies the audit chain (auditors only).
    pub fn audit_verify(&self, actor: &Actor) -> ServiceResult<VerifyView> {
        self.require_auditor(actor, "verify audit log")?;
        let verification = store::audit::verify(self.store.audit(), None)?;
        self.audit(
            actor,
            AuditAction::AuditAccess,
            "verify",
            "",
            AuditOutcome::Allowed,
        )?;
        Ok(VerifyView {
            ok: verification.is_intact(),
            entries: verification.entries_checked,
            message: match &verification.fault {
                None => format!(
                    "the chain of {} entries is intact and matches its head",
                    verification.entries_checked
                ),
                Some(fault) => format!(
                    "first bad entry: {} ({}): {}",
                    fault.sequence, fault.fault, fault.detail
                ),
            },
        })
    }
}

fn role_name(role: Role) -> String {
    serde_json::to_value(role)
        .ok()
        .and_then(|value| value.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A role by its name (any case, surrounding blanks ignored); `None` if unknown.
pub fn parse_role(name: &str) -> Option<Role> {
    serde_json::from_value::<Role>(serde_json::Value::String(name.trim().to_lowercase())).ok()
}

/// Role names as stored → roles; an unknown name is refused.
pub(crate) fn parse_roles(names: &[String]) -> ServiceResult<BTreeSet<Role>> {
    names
        .iter()
        .map(|name| {
            parse_role(name)
                .ok_or_else(|| ServiceError::BadRequest(format!("{name:?} is not a role")))
        })
        .collect()
}

/// An account's settings as an audit target (a permission change).
pub fn account_audit_target(account: &UserAccount) -> String {
    format!(
        "user={};agency={};roles={};clearance={};caveats={}",
        account.id,
        account.agency,
        account.roles.join(","),
        account.clearance,
        account.caveats.join(",")
    )
}

impl UserView {
    /// The view of an account.
    pub fn of(account: &UserAccount) -> UserView {
        UserView {
            id: account.id.clone(),
            agency: account.agency.clone(),
            display_name: account.display_name.clone(),
            roles: account.roles.clone(),
            clearance: account.clearance.to_string(),
            caveats: account.caveats.clone(),
            second_factor: account.totp_secret.is_some(),
            locked: account.locked_at.is_some(),
            disabled: account.disabled,
        }
    }
}
