//! Heavy work as jobs: uploads ingested into the store and store-wide resolution runs.
//!
//! A job runs on its own `std` thread (never on an async runtime), so a surface only
//! starts it and polls it. A job has an id, a kind, an owner (user and agency), a state
//! (`queued`, `running`, `done`, `failed`), progress (units done of a total and a
//! message), start and finish times, and a JSON result or an error. Jobs are listed
//! to the users of the owner's agency only; another agency gets "not found". When a
//! job ends, a [`LiveAlert`] of kind `job` goes to the owner's agency so screens can
//! refresh.
//!
//! Jobs need the service shared: [`Service::enable_jobs`] (the HTTP router calls it)
//! gives the façade a weak handle on its own `Arc`, which a job's thread holds while
//! it runs. Jobs are kept in memory (the last [`KEPT_JOBS`] finished ones); the store
//! keeps what they did (batches, runs, audit entries).
//!
//! # Ingest
//!
//! [`Service::start_ingest`] checks the profile against the schema and refuses one
//! whose agency is not the uploader's (an agency ingests only its own data; that holds
//! for administrators too, who read no records), writes the upload under its own file
//! name into a temporary folder, runs [`ingest::ingest_file`] with its progress feeding
//! the job, audits an `ingest` entry with the batch and its counts, reloads the
//! snapshot and then runs the after-ingest hook ([`Service::after_ingest`]).
//! [`Service::quarantine`] lists a batch's quarantined rows to its agency only.
//!
//! # Resolution runs
//!
//! The store-wide resolution run lives in the binary; it hands the façade a runner
//! ([`Service::set_resolution_runner`]), which [`Service::start_resolution`] runs as a
//! job (one at a time) before reloading the snapshot.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, RwLock, Weak};

use access::Role;
use chrono::Utc;
use model::BatchId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::{AuditAction, AuditOutcome, Store};

use crate::{Actor, AlertView, LiveAlert, Service, ServiceError, ServiceResult};

/// A job's number, unique while the service runs.
pub type JobId = u64;

/// Finished jobs kept in memory (the oldest finished ones are dropped first).
pub const KEPT_JOBS: usize = 500;

/// Quarantined rows listed per batch at most.
pub const MAX_QUARANTINE_ROWS: u64 = 10_000;

/// The store-wide resolution run, as the binary hands it over: it runs a full
/// resolution of the store quietly and returns its summary as JSON.
pub type ResolutionRunner = Box<dyn Fn(&dyn Store) -> Result<Value, String> + Send + Sync>;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobState {
    pub fn is_finished(self) -> bool {
        matches!(self, JobState::Done | JobState::Failed)
    }
}

/// How far a job is: `done` of `total` units (bytes for an ingest) and what it does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobProgress {
    pub done: u64,
    pub total: u64,
    pub message: String,
}

/// A job as its agency's users see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobView {
    pub id: JobId,
    /// `ingest` or `resolution`.
    pub kind: String,
    /// The user who started it.
    pub user: String,
    pub agency: String,
    pub state: JobState,
    pub progress: JobProgress,
    /// RFC 3339.
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// What it gave (`done`): for an ingest the file's counts and batch id, for a
    /// resolution run the run's summary.
    pub result: Option<Value>,
    /// Why it failed (`failed`).
    pub error: Option<String>,
}

/// An upload to ingest (the JSON of `POST /api/ingest`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestUpload {
    pub file_name: String,
    /// The file's bytes, standard base64.
    pub data_base64: String,
    /// The feed's mapping profile (TOML).
    pub profile_toml: String,
}

/// A started job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStarted {
    pub job: JobId,
}

/// A quarantined row of a batch, as its agency sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedRowView {
    pub batch: String,
    /// The file's name as uploaded or ingested (no folder).
    pub file: String,
    /// The line the row starts on (1-based, header included).
    pub line: u64,
    pub field: Option<String>,
    pub reason: String,
    /// The row as read, to fix and resend.
    pub raw: String,
}

/// The façade's job table, runner and handle on its own `Arc`.
#[derive(Default)]
pub(crate) struct Jobs {
    this: OnceLock<Weak<Service>>,
    next: AtomicU64,
    table: Mutex<BTreeMap<JobId, JobView>>,
    /// Signalled whenever a job finishes.
    finished: Condvar,
    runner: RwLock<Option<Arc<ResolutionRunner>>>,
}

impl Service {
    /// Lets the service run jobs: gives it a weak handle on its own `Arc` (a job's
    /// thread holds the service while it runs). Calling it again changes nothing.
    pub fn enable_jobs(self: &Arc<Self>) {
        let _ = self.jobs.this.set(Arc::downgrade(self));
    }

    /// Sets the store-wide resolution run (the binary's); replaces an earlier one.
    pub fn set_resolution_runner(&self, runner: ResolutionRunner) {
        *self
            .jobs
            .runner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::new(runner));
    }

    /// The jobs of the actor's agency, newest first.
    pub fn jobs(&self, actor: &Actor) -> ServiceResult<Vec<JobView>> {
        let table = self.jobs_table();
        Ok(table
            .values()
            .rev()
            .filter(|job| job.agency == actor.user.agency)
            .cloned()
            .collect())
    }

    /// One job of the actor's agency; another agency's job is not found.
    pub fn job(&self, actor: &Actor, id: JobId) -> ServiceResult<JobView> {
        self.jobs_table()
            .get(&id)
            .filter(|job| job.agency == actor.user.agency)
            .cloned()
            .ok_or_else(|| ServiceError::NotFound(format!("no job {id}")))
    }

    /// Waits until a job of the actor's agency has finished, and returns it (for
    /// callers without a live alert stream: the CLI, tests).
    pub fn wait_for_job(&self, actor: &Actor, id: JobId) -> ServiceResult<JobView> {
        let mut table = self.jobs_table();
        loop {
            let job = table
                .get(&id)
                .filter(|job| job.agency == actor.user.agency)
                .ok_or_else(|| ServiceError::NotFound(format!("no job {id}")))?;
            if job.state.is_finished() {
                return Ok(job.clone());
            }
            table = self
                .jobs
                .finished
                .wait(table)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// Starts ingesting an uploaded file with its feed's profile; returns the job.
    /// Refused: a profile that does not fit the schema (bad request), a profile of
    /// another agency, roles that do not read records, a token without `ingest` scope.
    pub fn start_ingest(
        &self,
        actor: &Actor,
        file_name: &str,
        data: Vec<u8>,
        profile_toml: String,
    ) -> ServiceResult<JobId> {
        require_ingest(actor)?;
        let folder = tempfile::tempdir()
            .map_err(|error| ServiceError::Internal(format!("creating a temp folder: {error}")))?;
        let profile_path = folder.path().join("upload.profile.toml");
        std::fs::write(&profile_path, profile_toml.as_bytes())
            .map_err(|error| ServiceError::Internal(format!("writing the profile: {error}")))?;
        let profile = ingest::profile::MappingProfile::load(&profile_path, &self.schema).map_err(
            |error| ServiceError::BadRequest(without_folder(&error.to_string(), folder.path())),
        )?;
        if profile.agency != actor.user.agency {
            self.audit(
                actor,
                AuditAction::Ingest,
                format!(
                    "upload={};agency={};feed={}",
                    file_name, profile.agency, profile.feed
                ),
                "refused: a profile of another agency",
                AuditOutcome::Denied,
            )?;
            return Err(ServiceError::Forbidden(format!(
                "the profile is for agency {:?}; you ingest only your agency's ({:?}) data",
                profile.agency, actor.user.agency
            )));
        }
        let name = safe_file_name(file_name);
        let data_path = folder.path().join(&name);
        std::fs::write(&data_path, &data)
            .map_err(|error| ServiceError::Internal(format!("writing the upload: {error}")))?;
        drop(data);
        let actor_copy = actor.clone();
        self.spawn_job(actor, "ingest", move |service, id| {
            let result = service.run_ingest(&actor_copy, id, &profile, &data_path, &name);
            drop(folder);
            result
        })
    }

    /// The quarantined rows of a batch of the actor's agency (file, line, field,
    /// reason, raw text), in line order; another agency's batch is not found.
    pub fn quarantine(&self, actor: &Actor, batch: &str) -> ServiceResult<Vec<QuarantinedRowView>> {
        self.require_records(actor)?;
        let not_found = || ServiceError::NotFound(format!("no batch {batch:?}"));
        let id: BatchId = batch.parse().map_err(|_| not_found())?;
        let summary = self.store.committed_batch(id)?.ok_or_else(not_found)?;
        if summary.header.agency != actor.user.agency {
            return Err(not_found());
        }
        let mut rows = Vec::new();
        let mut offset = 0;
        while offset < MAX_QUARANTINE_ROWS {
            let page =
                self.store
                    .quarantined(Some(id), offset, 1000.min(MAX_QUARANTINE_ROWS - offset))?;
            if page.is_empty() {
                break;
            }
            offset += page.len() as u64;
            rows.extend(page.into_iter().map(|row| {
                QuarantinedRowView {
                    batch: row.batch_id.to_string(),
                    file: Path::new(&row.source_file)
                        .file_name()
                        .map(|name| name.to_string_lossy().into_owned())
                        .unwrap_or(row.source_file),
                    line: row.line,
                    field: row.field,
                    reason: row.reason,
                    raw: row.raw,
                }
            }));
        }
        self.audit(
            actor,
            AuditAction::View,
            format!("quarantine;batch={id}"),
            "",
            AuditOutcome::Allowed,
        )?;
        Ok(rows)
    }

    /// Starts a store-wide resolution run (supervisors and administrators; one at a
    /// time); the snapshot is reloaded when it ends.
    pub fn start_resolution(&self, actor: &Actor) -> ServiceResult<JobId> {
        let allowed = actor
            .user
            .roles
            .iter()
            .any(|role| matches!(role, Role::Supervisor | Role::Administrator));
        if !allowed {
            return Err(ServiceError::Forbidden(
                "resolution runs are started by supervisors and administrators".to_string(),
            ));
        }
        if let Some(scopes) = &actor.scopes
            && !scopes.contains(&auth::Scope::Write)
            && !scopes.contains(&auth::Scope::Admin)
        {
            return Err(ServiceError::Forbidden(
                "this token has neither write nor admin scope".to_string(),
            ));
        }
        let runner = self
            .jobs
            .runner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
            .ok_or_else(|| {
                ServiceError::BadRequest(
                    "resolution runs are not available on this server".to_string(),
                )
            })?;
        if let Some(running) = self
            .jobs_table()
            .values()
            .find(|job| job.kind == "resolution" && !job.state.is_finished())
        {
            return Err(ServiceError::BadRequest(format!(
                "a resolution run is already under way (job {})",
                running.id
            )));
        }
        self.audit(
            actor,
            AuditAction::PrivilegedAction,
            "resolution_run",
            "started from the web",
            AuditOutcome::Allowed,
        )?;
        let actor_copy = actor.clone();
        self.spawn_job(actor, "resolution", move |service, id| {
            service.set_progress(id, 0, 1, "resolving every Person record of the store");
            let summary = runner(service.store.as_ref()).map_err(ServiceError::BadRequest)?;
            service.set_progress(id, 1, 1, "reloading");
            service.audit(
                &actor_copy,
                AuditAction::PrivilegedAction,
                format!("resolution_run;run={}", summary["run"]),
                "finished",
                AuditOutcome::Allowed,
            )?;
            service.reload()?;
            Ok(summary)
        })
    }

    /// What runs after an upload is in and the snapshot reloaded, as after the CLI's
    /// `ingest`: a purged record the file sends again is purged again (and the data
    /// reloaded), then standing watches are checked (alerts raised live).
    fn after_ingest(&self, committed: &[BatchId]) -> ServiceResult<()> {
        if crate::retention::purge_again_after_ingest(self.store.as_ref(), committed, "service")?
            > 0
        {
            self.reload()?;
        }
        self.check_watches()?;
        Ok(())
    }

    fn run_ingest(
        &self,
        actor: &Actor,
        id: JobId,
        profile: &ingest::profile::MappingProfile,
        data_path: &Path,
        name: &str,
    ) -> ServiceResult<Value> {
        let options = ingest::IngestOptions::new(Utc::now());
        // (stage, bytes done) of the last progress written.
        let mut last: Option<(ingest::Stage, u64)> = None;
        let report = ingest::ingest_file(
            self.store.as_ref(),
            profile,
            data_path,
            &options,
            &mut |event| {
                let message = match event.stage {
                    ingest::Stage::Hashing => "hashing".to_string(),
                    ingest::Stage::Finished => "committed".to_string(),
                    _ => format!(
                        "{} rows read, {} quarantined",
                        event.rows_read, event.rows_quarantined
                    ),
                };
                // At most a hundred updates per stage (each percent of the file): the
                // table is shared with readers.
                let step = (event.bytes_total / 100).max(1);
                let moved = match last {
                    Some((stage, done)) => stage != event.stage || event.bytes_done >= done + step,
                    None => true,
                };
                if moved || event.stage == ingest::Stage::Finished {
                    last = Some((event.stage, event.bytes_done));
                    self.set_progress(id, event.bytes_done, event.bytes_total, &message);
                }
            },
        )
        .map_err(|error| {
            let folder = data_path.parent().unwrap_or(data_path);
            ServiceError::BadRequest(without_folder(&error.to_string(), folder))
        })?;
        let counts = &report.counts;
        self.audit(
            actor,
            AuditAction::Ingest,
            format!(
                "batch={};agency={};feed={};file={}",
                report.batch_id, report.agency, report.feed, name
            ),
            format!(
                "upload{}: rows_read={} rows_accepted={} rows_quarantined={} records_written={} duplicates_skipped={}",
                if report.already_ingested {
                    " already ingested"
                } else {
                    ""
                },
                counts.rows_read,
                counts.rows_accepted,
                counts.rows_quarantined,
                counts.records_written,
                counts.duplicates_skipped
            ),
            AuditOutcome::Allowed,
        )?;
        self.set_progress(
            id,
            report_total(data_path),
            report_total(data_path),
            "reloading",
        );
        self.reload()?;
        let committed: Vec<BatchId> = if report.already_ingested {
            Vec::new()
        } else {
            vec![report.batch_id]
        };
        self.after_ingest(&committed)?;
        Ok(json!({
            "file": name,
            "agency": report.agency,
            "feed": report.feed,
            "batch": report.batch_id.to_string(),
            "already_ingested": report.already_ingested,
            "rows_read": counts.rows_read,
            "rows_accepted": counts.rows_accepted,
            "rows_quarantined": counts.rows_quarantined,
            "records_written": counts.records_written,
            "duplicates_skipped": counts.duplicates_skipped,
        }))
    }

    fn jobs_table(&self) -> std::sync::MutexGuard<'_, BTreeMap<JobId, JobView>> {
        self.jobs
            .table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn set_progress(&self, id: JobId, done: u64, total: u64, message: &str) {
        if let Some(job) = self.jobs_table().get_mut(&id) {
            job.progress = JobProgress {
                done,
                total,
                message: message.to_string(),
            };
        }
    }

    /// Queues a job and starts its thread; `work` runs there with the service.
    fn spawn_job(
        &self,
        actor: &Actor,
        kind: &str,
        work: impl FnOnce(&Service, JobId) -> ServiceResult<Value> + Send + 'static,
    ) -> ServiceResult<JobId> {
        let weak = self.jobs.this.get().cloned().ok_or_else(|| {
            ServiceError::Internal(
                "jobs are not enabled: share the service and call Service::enable_jobs".to_string(),
            )
        })?;
        let id = self.jobs.next.fetch_add(1, Ordering::Relaxed) + 1;
        {
            let mut table = self.jobs_table();
            let finished: Vec<JobId> = table
                .values()
                .filter(|job| job.state.is_finished())
                .map(|job| job.id)
                .collect();
            for old in finished
                .iter()
                .take((table.len() + 1).saturating_sub(KEPT_JOBS))
            {
                table.remove(old);
            }
            table.insert(
                id,
                JobView {
                    id,
                    kind: kind.to_string(),
                    user: actor.user.id.clone(),
                    agency: actor.user.agency.clone(),
                    state: JobState::Queued,
                    progress: JobProgress::default(),
                    created_at: Utc::now().to_rfc3339(),
                    started_at: None,
                    finished_at: None,
                    result: None,
                    error: None,
                },
            );
        }
        let spawned = std::thread::Builder::new()
            .name(format!("job-{id}-{kind}"))
            .spawn(move || {
                let Some(service) = weak.upgrade() else {
                    return;
                };
                if let Some(job) = service.jobs_table().get_mut(&id) {
                    job.state = JobState::Running;
                    job.started_at = Some(Utc::now().to_rfc3339());
                }
                let outcome = work(&service, id);
                service.finish_job(id, outcome);
            });
        if let Err(error) = spawned {
            self.finish_job(id, Err(ServiceError::Internal(error.to_string())));
        }
        Ok(id)
    }

    fn finish_job(&self, id: JobId, outcome: ServiceResult<Value>) {
        // The finished job is stored (and waiters woken) only after its alert is
        // raised, so whoever sees it finished can also see its alert.
        let finished = {
            let Some(mut job) = self.jobs_table().get(&id).cloned() else {
                return;
            };
            let job = &mut job;
            job.finished_at = Some(Utc::now().to_rfc3339());
            match outcome {
                Ok(result) => {
                    job.state = JobState::Done;
                    job.progress.done = job.progress.total.max(job.progress.done);
                    job.progress.message = "done".to_string();
                    job.result = Some(result);
                }
                Err(error) => {
                    job.state = JobState::Failed;
                    job.progress.message = "failed".to_string();
                    // Storage and internal details stay out of the answer.
                    job.error = Some(match error {
                        ServiceError::Store(_) | ServiceError::Internal(_) => {
                            "the job failed on the server (see its log)".to_string()
                        }
                        other => other.to_string(),
                    });
                }
            }
            job.clone()
        };
        let summary = match (&finished.state, finished.kind.as_str()) {
            (JobState::Done, "ingest") => format!(
                "Ingest of {} finished: {} rows read, {} quarantined",
                finished
                    .result
                    .as_ref()
                    .map_or(Value::Null, |r| r["file"].clone()),
                finished
                    .result
                    .as_ref()
                    .map_or(Value::Null, |r| r["rows_read"].clone()),
                finished
                    .result
                    .as_ref()
                    .map_or(Value::Null, |r| r["rows_quarantined"].clone())
            ),
            (JobState::Done, kind) => format!("Job {id} ({kind}) finished"),
            (_, kind) => format!("Job {id} ({kind}) failed"),
        };
        self.raise(&LiveAlert {
            agency: finished.agency.clone(),
            user: None,
            alert: AlertView {
                id: format!("job-{id}"),
                kind: "job".to_string(),
                at: finished.finished_at.clone().unwrap_or_default(),
                agency: finished.agency.clone(),
                summary,
                other_agency: None,
                contact: None,
            },
        });
        self.jobs_table().insert(id, finished);
        self.jobs.finished.notify_all();
    }
}

/// Uploads are by users who read records (analysts, investigators, supervisors,
/// epidemiologists); a token needs the `ingest` scope.
fn require_ingest(actor: &Actor) -> ServiceResult<()> {
    let ingests = actor.user.roles.iter().any(|role| {
        matches!(
            role,
            Role::Analyst | Role::Investigator | Role::Supervisor | Role::Epidemiologist
        )
    });
    if !ingests {
        return Err(ServiceError::Forbidden(
            "your roles do not ingest records".to_string(),
        ));
    }
    if let Some(scopes) = &actor.scopes
        && !scopes.contains(&auth::Scope::Ingest)
    {
        return Err(ServiceError::Forbidden(
            "this token has no ingest scope".to_string(),
        ));
    }
    Ok(())
}

/// The upload's name without folders, reduced to safe characters.
fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() || matches!(character, '.' | '-' | '_') {
                character
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches('.').to_string();
    if cleaned.is_empty() || cleaned.ends_with(".profile.toml") {
        "upload.csv".to_string()
    } else {
        cleaned
    }
}

/// An error message without the temporary folder's path.
fn without_folder(message: &str, folder: &Path) -> String {
    let folder = folder.display().to_string();
    message
        .replace(&format!("{folder}/"), "")
        .replace(&folder, "")
}

fn report_total(data_path: &Path) -> u64 {
    std::fs::metadata(PathBuf::from(data_path))
        .map(|metadata| metadata.len())
        .unwrap_or(0)
}
