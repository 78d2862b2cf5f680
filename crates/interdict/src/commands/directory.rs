//! `interdict agencies | users | agreements | cases`: the directory a server needs
//! before anyone can sign on — the first agency and administrator, the accounts, their
//! TOTP second factor, sharing agreements and cases.
//!
//! These run with the operator's access to the store (like `retention purge`), not as
//! a signed-on user: every change is audited with the operator as the actor (`$USER`,
//! or `cli`) and `cli` as the source. Passwords are read from stdin, never from the
//! command line (which other users of the host can see), and are kept only as Argon2id
//! hashes; listings never show hashes or TOTP secrets. A running server reads
//! accounts and case memberships on every request, and agencies, agreements and the
//! registered cases when it starts (or reloads).

use std::collections::BTreeSet;
use std::io::BufRead;
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use chrono::Utc;
use model::{DataClass, Sensitivity};
use store::{
    Agency, Agreement, AuditAction, AuditOutcome, CaseFile, NewAuditEntry, Store, UserAccount,
};

use crate::cli::{
    AgenciesArgs, AgenciesCommand, AgencyAddArgs, AgreementAddArgs, AgreementsArgs,
    AgreementsCommand, CaseAddArgs, CaseMemberArgs, CasesArgs, CasesCommand, DirectoryListArgs,
    UserAddArgs, UserIdArgs, UsersArgs, UsersCommand,
};
use crate::open::open_store;

/// The issuer authenticator apps show next to the account.
const TOTP_ISSUER: &str = "Interdict";

/// Said after changes a running server only reads when it starts.
const RESTART_NOTE: &str = "a running `interdict serve` sees this after a restart";

pub fn agencies(arguments: &AgenciesArgs) -> Result<ExitCode> {
    match &arguments.command {
        AgenciesCommand::Add(arguments) => add_agency(arguments),
        AgenciesCommand::List(arguments) => list_agencies(arguments),
    }
}

pub fn users(arguments: &UsersArgs) -> Result<ExitCode> {
    match &arguments.command {
        UsersCommand::Add(arguments) => add_user(arguments),
        UsersCommand::List(arguments) => list_users(arguments),
        UsersCommand::Unlock(arguments) => unlock_user(arguments),
        UsersCommand::Totp(arguments) => enrol_totp(arguments),
        UsersCommand::Disable(arguments) => disable_user(arguments),
    }
}

pub fn agreements(arguments: &AgreementsArgs) -> Result<ExitCode> {
    match &arguments.command {
        AgreementsCommand::Add(arguments) => add_agreement(arguments),
        AgreementsCommand::List(arguments) => list_agreements(arguments),
    }
}

pub fn cases(arguments: &CasesArgs) -> Result<ExitCode> {
    match &arguments.command {
        CasesCommand::Add(arguments) => add_case(arguments),
        CasesCommand::Member(arguments) => case_member(arguments),
        CasesCommand::List(arguments) => list_cases(arguments),
    }
}

/// Who is acting, for the audit log: the operator's login name, or `cli`.
fn operator() -> String {
    std::env::var("USER")
        .ok()
        .map(|user| user.trim().to_string())
        .filter(|user| !user.is_empty())
        .unwrap_or_else(|| "cli".to_string())
}

/// Appends the audit entry of a change made by the operator.
fn audit(
    store: &dyn Store,
    action: AuditAction,
    agency: &str,
    target: String,
    reason: &str,
) -> Result<()> {
    store
        .audit()
        .append(NewAuditEntry {
            actor: operator(),
            actor_agency: agency.to_string(),
            action,
            target,
            reason: reason.to_string(),
            case_number: None,
            source: "cli".to_string(),
            outcome: AuditOutcome::Allowed,
        })
        .context("recording the change in the audit log")?;
    Ok(())
}

/// A directory id: one word, not blank.
fn one_word(what: &str, id: &str) -> Result<String> {
    let id = id.trim();
    if id.is_empty() || id.chars().any(char::is_whitespace) {
        bail!("{what} {id:?} must be one word");
    }
    Ok(id.to_string())
}

fn require_agency(store: &dyn Store, agency: &str) -> Result<()> {
    let agencies = store.directory().agencies()?;
    if !agencies.iter().any(|known| known.id == agency) {
        let known: Vec<&str> = agencies.iter().map(|known| known.id.as_str()).collect();
        bail!(
            "unknown agency {agency:?} (known: {}): add it first with `interdict agencies add`",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        );
    }
    Ok(())
}

fn require_user(store: &dyn Store, id: &str) -> Result<UserAccount> {
    store
        .directory()
        .user(id)?
        .with_context(|| format!("unknown user {id:?}"))
}

/// A role name as stored (`administrator`), refused unless `access::Role` knows it.
fn role_name(name: &str) -> Result<String> {
    service::parse_role(name).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown role {name:?}: use analyst, investigator, supervisor, \
             epidemiologist, auditor or administrator"
        )
    })?;
    Ok(name.trim().to_lowercase())
}

fn sensitivity(what: &str, text: &str) -> Result<Sensitivity> {
    Sensitivity::from_str(text).map_err(|_| {
        anyhow::anyhow!("bad {what} {text:?}: use public, sensitive, law_enforcement or restricted")
    })
}

fn add_agency(arguments: &AgencyAddArgs) -> Result<ExitCode> {
    let id = one_word("agency id", &arguments.id)?;
    let name = arguments.name.trim();
    if name.is_empty() {
        bail!("the agency needs a name (--name)");
    }
    let store = open_store(&arguments.store.db)?;
    if store
        .directory()
        .agencies()?
        .iter()
        .any(|agency| agency.id == id)
    {
        bail!("agency {id:?} already exists");
    }
    store.directory().put_agency(&Agency {
        id: id.clone(),
        name: name.to_string(),
        contact: arguments.contact.trim().to_string(),
    })?;
    audit(
        store.as_ref(),
        AuditAction::PrivilegedAction,
        &id,
        format!("agency add;agency={id}"),
        name,
    )?;
    eprintln!("{RESTART_NOTE}");
    println!("added agency {id} ({name})");
    Ok(ExitCode::SUCCESS)
}

fn list_agencies(arguments: &DirectoryListArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let agencies = store.directory().agencies()?;
    if arguments.json {
        super::print_json(&agencies)?;
    } else if agencies.is_empty() {
        println!("no agencies");
    } else {
        for agency in &agencies {
            println!("{}\t{}\t{}", agency.id, agency.name, agency.contact);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The password: the first line of stdin, without its line ending.
fn password_from_stdin() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        bail!(
            "no password on stdin: pipe it in, e.g. printf '%s\\n' \"$PASSWORD\" | interdict users add …"
        );
    }
    let length = password.chars().count();
    if length < auth::MIN_PASSWORD_LENGTH {
        bail!(
            "the password is too short: {length} characters, at least {} required",
            auth::MIN_PASSWORD_LENGTH
        );
    }
    Ok(password)
}

fn add_user(arguments: &UserAddArgs) -> Result<ExitCode> {
    let id = one_word("user id", &arguments.id)?;
    let roles = arguments
        .roles
        .iter()
        .map(|role| role_name(role))
        .collect::<Result<BTreeSet<String>>>()?;
    let clearance = sensitivity("clearance", &arguments.clearance)?;
    let caveats: BTreeSet<String> = arguments
        .caveats
        .iter()
        .map(|caveat| caveat.trim().to_uppercase())
        .filter(|caveat| !caveat.is_empty())
        .collect();
    let store = open_store(&arguments.store.db)?;
    require_agency(store.as_ref(), &arguments.agency)?;
    if store.directory().user(&id)?.is_some() {
        bail!("user {id:?} already exists");
    }
    let password = password_from_stdin()?;
    let password_hash = auth::hash_password(&password).context("hashing the password")?;
    let account = UserAccount {
        id: id.clone(),
        agency: arguments.agency.clone(),
        display_name: arguments
            .name
            .as_deref()
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .unwrap_or(&id)
            .to_string(),
        roles: roles.into_iter().collect(),
        clearance,
        caveats: caveats.into_iter().collect(),
        password_hash,
        totp_secret: None,
        locked_at: None,
        disabled: false,
        created_at: Utc::now(),
    };
    store
        .directory()
        .create_user(&account)
        .with_context(|| format!("creating user {id:?}"))?;
    audit(
        store.as_ref(),
        AuditAction::PermissionChange,
        &account.agency,
        service::account_audit_target(&account),
        "user add",
    )?;
    println!(
        "added user {id} ({}; {}; clearance {})",
        account.agency,
        account.roles.join(", "),
        account.clearance
    );
    eprintln!(
        "a server requires a second factor to sign on: enrol one with `interdict users totp --id {id}`"
    );
    Ok(ExitCode::SUCCESS)
}

fn list_users(arguments: &DirectoryListArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let users: Vec<service::UserView> = store
        .directory()
        .users()?
        .iter()
        .map(service::UserView::of)
        .collect();
    if arguments.json {
        super::print_json(&users)?;
    } else if users.is_empty() {
        println!("no users");
    } else {
        println!("id\tagency\troles\tclearance\tcaveats\ttotp\tstate\tname");
        for user in &users {
            let state = match (user.disabled, user.locked) {
                (true, _) => "disabled",
                (false, true) => "locked",
                (false, false) => "active",
            };
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                user.id,
                user.agency,
                user.roles.join(","),
                user.clearance,
                if user.caveats.is_empty() {
                    "-".to_string()
                } else {
                    user.caveats.join(",")
                },
                if user.second_factor { "yes" } else { "no" },
                state,
                user.display_name
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn unlock_user(arguments: &UserIdArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let account = require_user(store.as_ref(), &arguments.id)?;
    store.directory().unlock_user(&account.id, Utc::now())?;
    audit(
        store.as_ref(),
        AuditAction::PermissionChange,
        &account.agency,
        format!("unlock;user={}", account.id),
        "",
    )?;
    println!("unlocked {}", account.id);
    Ok(ExitCode::SUCCESS)
}

fn enrol_totp(arguments: &UserIdArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let mut account = require_user(store.as_ref(), &arguments.id)?;
    let replaced = account.totp_secret.is_some();
    let secret = auth::totp::new_secret();
    let uri = auth::totp::provisioning_uri(&secret, &account.id, TOTP_ISSUER);
    account.totp_secret = Some(secret.clone());
    store.directory().update_user(&account)?;
    audit(
        store.as_ref(),
        AuditAction::PermissionChange,
        &account.agency,
        format!("totp enrolled;user={}", account.id),
        if replaced {
            "by the operator, replacing the earlier factor"
        } else {
            "by the operator"
        },
    )?;
    if replaced {
        eprintln!("{} had a second factor: it no longer works", account.id);
    }
    eprintln!(
        "shown once: hand the URI (as a QR code) or the secret to {} over a trusted channel",
        account.id
    );
    println!("{uri}");
    println!("secret: {secret}");
    Ok(ExitCode::SUCCESS)
}

fn disable_user(arguments: &UserIdArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let mut account = require_user(store.as_ref(), &arguments.id)?;
    if account.disabled {
        println!("{} is already disabled", account.id);
        return Ok(ExitCode::SUCCESS);
    }
    account.disabled = true;
    store.directory().update_user(&account)?;
    audit(
        store.as_ref(),
        AuditAction::PermissionChange,
        &account.agency,
        format!("disable;user={}", account.id),
        "",
    )?;
    println!("disabled {}", account.id);
    Ok(ExitCode::SUCCESS)
}

fn add_agreement(arguments: &AgreementAddArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    require_agency(store.as_ref(), &arguments.from)?;
    require_agency(store.as_ref(), &arguments.to)?;
    if arguments.from == arguments.to {
        bail!("an agreement is between two different agencies");
    }
    let classes = arguments
        .classes
        .iter()
        .map(|class| {
            DataClass::from_str(class).map_err(|_| {
                anyhow::anyhow!(
                    "unknown data class {class:?}: use criminal_intelligence, \
                     investigative_case, public_health or public"
                )
            })
        })
        .collect::<Result<BTreeSet<DataClass>>>()?;
    let max_sensitivity = sensitivity("sensitivity (--up-to)", &arguments.up_to)?;
    let replaced = store.directory().agreements()?.iter().any(|agreement| {
        agreement.from_agency == arguments.from && agreement.to_agency == arguments.to
    });
    let agreement = Agreement {
        from_agency: arguments.from.clone(),
        to_agency: arguments.to.clone(),
        data_classes: classes.into_iter().collect(),
        max_sensitivity,
    };
    store.directory().put_agreement(&agreement)?;
    let class_names: Vec<String> = agreement
        .data_classes
        .iter()
        .map(ToString::to_string)
        .collect();
    audit(
        store.as_ref(),
        AuditAction::PermissionChange,
        &agreement.from_agency,
        format!(
            "agreement;from={};to={};classes={};up_to={}",
            agreement.from_agency,
            agreement.to_agency,
            class_names.join(","),
            agreement.max_sensitivity
        ),
        if replaced {
            "replaces the earlier agreement"
        } else {
            ""
        },
    )?;
    eprintln!("{RESTART_NOTE}");
    println!(
        "{} {} → {}: {} up to {}",
        if replaced { "replaced" } else { "added" },
        agreement.from_agency,
        agreement.to_agency,
        class_names.join(", "),
        agreement.max_sensitivity
    );
    Ok(ExitCode::SUCCESS)
}

fn list_agreements(arguments: &DirectoryListArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let agreements = store.directory().agreements()?;
    if arguments.json {
        super::print_json(&agreements)?;
    } else if agreements.is_empty() {
        println!("no agreements");
    } else {
        for agreement in &agreements {
            let classes: Vec<String> = agreement
                .data_classes
                .iter()
                .map(ToString::to_string)
                .collect();
            println!(
                "{} → {}\t{}\tup to {}",
                agreement.from_agency,
                agreement.to_agency,
                classes.join(","),
                agreement.max_sensitivity
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn add_case(arguments: &CaseAddArgs) -> Result<ExitCode> {
    let id = one_word("case number", &arguments.id)?;
    let title = arguments.title.trim();
    if title.is_empty() {
        bail!("the case needs a title (--title)");
    }
    let store = open_store(&arguments.store.db)?;
    require_agency(store.as_ref(), &arguments.agency)?;
    if store.directory().case(&id)?.is_some() {
        bail!("case {id:?} already exists");
    }
    let members: BTreeSet<String> = arguments
        .members
        .iter()
        .map(|member| member.trim().to_string())
        .collect();
    for member in &members {
        require_user(store.as_ref(), member)?;
    }
    let case = CaseFile {
        id: id.clone(),
        agency: arguments.agency.clone(),
        title: title.to_string(),
        created_by: operator(),
        created_at: Utc::now(),
        members: members.into_iter().collect(),
    };
    store.directory().create_case(&case)?;
    audit(
        store.as_ref(),
        AuditAction::PermissionChange,
        &case.agency,
        format!(
            "case={};agency={};members={}",
            case.id,
            case.agency,
            case.members.join(",")
        ),
        title,
    )?;
    eprintln!("{RESTART_NOTE}");
    println!(
        "opened case {id} ({}) with {} member(s)",
        case.agency,
        case.members.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn case_member(arguments: &CaseMemberArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let case = store
        .directory()
        .case(&arguments.case)?
        .with_context(|| format!("unknown case {:?}", arguments.case))?;
    let user = arguments.user.trim();
    if arguments.remove {
        if !store.directory().remove_case_member(&case.id, user)? {
            bail!("{user:?} is not a member of case {}", case.id);
        }
    } else {
        require_user(store.as_ref(), user)?;
        store.directory().add_case_member(&case.id, user)?;
    }
    let verb = if arguments.remove { "remove" } else { "add" };
    audit(
        store.as_ref(),
        AuditAction::PermissionChange,
        &case.agency,
        format!("case={};{verb}={user}", case.id),
        "",
    )?;
    println!(
        "{} {user} {} case {}",
        if arguments.remove { "removed" } else { "added" },
        if arguments.remove { "from" } else { "to" },
        case.id
    );
    Ok(ExitCode::SUCCESS)
}

fn list_cases(arguments: &DirectoryListArgs) -> Result<ExitCode> {
    let store = open_store(&arguments.store.db)?;
    let cases = store.directory().cases()?;
    if arguments.json {
        super::print_json(&cases)?;
    } else if cases.is_empty() {
        println!("no cases");
    } else {
        for case in &cases {
            println!(
                "{}\t{}\t{}\tmembers: {}",
                case.id,
                case.agency,
                case.title,
                if case.members.is_empty() {
                    "-".to_string()
                } else {
                    case.members.join(",")
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
