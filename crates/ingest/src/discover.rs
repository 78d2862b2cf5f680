//! Finding what to ingest: profiles and the data files they name.

use std::path::{Path, PathBuf};

use model::Schema;

use crate::IngestError;
use crate::profile::{MappingProfile, ProfileError};

/// One feed's profile and the data files to ingest with it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedJob {
    /// Where the profile was read from; `None` for a profile built in code.
    pub profile_path: Option<PathBuf>,
    pub profile: MappingProfile,
    pub files: Vec<PathBuf>,
}

/// The suffix that marks a mapping profile inside a folder of feeds.
pub const PROFILE_SUFFIX: &str = ".profile.toml";

impl FeedJob {
    /// A profile with one explicitly named data file (its own `files` are ignored).
    pub fn with_file(profile: MappingProfile, data_path: impl Into<PathBuf>) -> FeedJob {
        FeedJob {
            profile_path: None,
            profile,
            files: vec![data_path.into()],
        }
    }

    /// Reads a profile file; its `files` are resolved against its folder.
    pub fn load(profile_path: &Path) -> Result<FeedJob, IngestError> {
        let profile = MappingProfile::load(profile_path, Schema::builtin())?;
        let files = profile.resolve_files(profile_path);
        Ok(FeedJob {
            profile_path: Some(profile_path.to_path_buf()),
            profile,
            files,
        })
    }
}

/// What `path` asks to ingest: a `*.toml` profile with its files, or every
/// `*.profile.toml` below a folder, sorted by path so runs are repeatable.
pub fn discover(path: &Path) -> Result<Vec<FeedJob>, IngestError> {
    let metadata = std::fs::metadata(path).map_err(|source| ProfileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if !metadata.is_dir() {
        return Ok(vec![FeedJob::load(path)?]);
    }
    let mut profiles = Vec::new();
    collect_profiles(path, &mut profiles)?;
    if profiles.is_empty() {
        return Err(IngestError::NoProfiles {
            path: path.to_path_buf(),
        });
    }
    profiles.sort();
    profiles
        .iter()
        .map(|profile| FeedJob::load(profile))
        .collect()
}

fn collect_profiles(folder: &Path, found: &mut Vec<PathBuf>) -> Result<(), IngestError> {
    let read_error = |source| ProfileError::Read {
        path: folder.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(folder).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(read_error)?;
        if file_type.is_dir() {
            collect_profiles(&path, found)?;
        } else if path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.ends_with(PROFILE_SUFFIX))
        {
            found.push(path);
        }
    }
    Ok(())
}
