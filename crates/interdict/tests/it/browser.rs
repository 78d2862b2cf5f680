//! The web UI in a real headless Chromium: `e2e/run.sh` starts `interdict demo` with
//! this build, then the Playwright tests in `e2e/tests/` sign on as users of several
//! agencies and roles and check what each sees and cannot see.
//!
//! Needs Debian's `chromium` and the npm packages of `e2e/` (`npm ci`); `.ci/run`
//! installs both. Missing, the test fails and says what to install: it never skips.

use std::path::Path;
use std::process::Command;

#[test]
fn the_web_ui_passes_its_browser_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "the browser tests need Debian's chromium: apt-get install chromium (as .ci/run does)"
    );
    let status = Command::new("bash")
        .arg(root.join("e2e/run.sh"))
        .arg(env!("CARGO_BIN_EXE_interdict"))
        .status()
        .expect("running e2e/run.sh");
    assert!(status.success(), "the browser tests failed: {status}");
}
