//! A first load that syncs once, at its end.
//!
//! An exclusive store that creates its file loads it with `synchronous=OFF`: each batch
//! is handed to the operating system and the writer goes on, where a sync would have
//! waited for gigabytes of fresh pages to reach the disk (some 4 s of a 60 s load of
//! 15M records). Batches stay atomic against a crash of the process: the kernel keeps
//! every write it was given, so the hot journal and the pages it guards are there for
//! the next connection to roll back. Only a crash of the machine, before the end, may
//! lose writes in any order and leave the file damaged. That file held nothing before
//! the load, so the remedy is to load it again, and this module makes sure nobody uses
//! such a file unawares.
//!
//! While the load runs, a marker beside the file (`PATH-unsynced`) names the boot of
//! the machine it runs on (Linux's `boot_id`), written and synced before the first
//! unsynced write. At the end the store syncs the file, then removes the marker. A
//! store that opens the file and finds a marker of the same boot knows the machine
//! kept every write: the process stopped, nothing more. It syncs the file and removes
//! the marker, or, opening it for another exclusive load, keeps going unsynced until
//! that load ends. A marker of another boot means the machine stopped with the load
//! unfinished: the store refuses the file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where the kernel names the current boot; absent outside Linux, where loads sync.
const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";

/// A load of the file at `database` is running unsynced, or was when its process
/// stopped.
#[derive(Debug)]
pub(crate) struct Unsynced {
    database: PathBuf,
    marker: PathBuf,
}

impl Unsynced {
    /// Marks the file at `database` as being loaded unsynced, and syncs the marker, so
    /// that it is on disk before anything it warns about. `None` where the machine has
    /// no boot id: the load then syncs every batch.
    pub(crate) fn begin(database: &Path) -> io::Result<Option<Unsynced>> {
        let Some(boot) = current_boot() else {
            return Ok(None);
        };
        let unsynced = Unsynced::at(database);
        let mut file = File::create(&unsynced.marker)?;
        writeln!(file, "{boot}")?;
        writeln!(
            file,
            "An exclusive first load of {} ran without syncs on the boot above. If the \
             machine stopped before it ended, delete the database and load it again.",
            database.display()
        )?;
        file.sync_all()?;
        sync_directory_of(&unsynced.marker)?;
        Ok(Some(unsynced))
    }

    /// The marker an unfinished load left beside the file at `database`, if any.
    /// Err names the file when that load was on another boot of the machine: its
    /// writes may not all have reached the disk.
    pub(crate) fn left_behind(database: &Path) -> Result<Option<Unsynced>, String> {
        let unsynced = Unsynced::at(database);
        let text = match fs::read_to_string(&unsynced.marker) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(format!("reading {}: {error}", unsynced.marker.display())),
        };
        let boot = text.lines().next().unwrap_or_default().trim();
        if current_boot().as_deref() == Some(boot) {
            Ok(Some(unsynced))
        } else {
            Err(format!(
                "an exclusive first load of this file, which syncs only when it ends, did \
                 not end before the machine stopped ({} is still there), so the file may \
                 be damaged: delete it and its marker and load it again",
                unsynced.marker.display()
            ))
        }
    }

    /// Removes a marker left beside a file that is new again (deleted, as the refusal
    /// asks, and created afresh): it spoke of pages that are gone.
    pub(crate) fn forget_stale(database: &Path) -> io::Result<()> {
        match fs::remove_file(Unsynced::at(database).marker) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// Syncs the database file, then removes the marker. On failure the marker
    /// stays: a store that opens the file later on this boot tries again, and after a
    /// restart the file is refused.
    pub(crate) fn finish(self) -> io::Result<()> {
        File::open(&self.database)?.sync_all()?;
        fs::remove_file(&self.marker)?;
        sync_directory_of(&self.marker)
    }

    fn at(database: &Path) -> Unsynced {
        let mut marker = database.as_os_str().to_owned();
        marker.push("-unsynced");
        Unsynced {
            database: database.to_path_buf(),
            marker: PathBuf::from(marker),
        }
    }
}

fn current_boot() -> Option<String> {
    let boot = fs::read_to_string(BOOT_ID).ok()?;
    let boot = boot.trim();
    (!boot.is_empty()).then(|| boot.to_string())
}

/// Makes a file's creation or removal durable: on Linux a directory's entries reach
/// the disk only when the directory is synced.
fn sync_directory_of(path: &Path) -> io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    OpenOptions::new().read(true).open(directory)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn a_marker_of_this_boot_is_taken_up_and_one_of_another_boot_refuses_the_file() {
        let directory = tempfile::tempdir().unwrap();
        let database = directory.path().join("load.db");
        fs::write(&database, b"pages").unwrap();
        assert!(Unsynced::left_behind(&database).unwrap().is_none());

        let unsynced = Unsynced::begin(&database).unwrap().unwrap();
        let marker = directory.path().join("load.db-unsynced");
        assert!(marker.exists());
        let found = Unsynced::left_behind(&database).unwrap().unwrap();
        assert_eq!(found.marker, marker);
        unsynced.finish().unwrap();
        assert!(!marker.exists());

        fs::write(&marker, "00000000-0000-0000-0000-000000000000\n").unwrap();
        let refusal = Unsynced::left_behind(&database).unwrap_err();
        assert!(refusal.contains("delete it"), "{refusal}");
        assert!(refusal.contains("load.db-unsynced"), "{refusal}");
    }
}
