//! Where the lock goes: `-o` onto things that are not regular files (devices, FIFOs,
//! `/dev/stdout`, symbolic links), and write failures, which exit 4 instead of looking like
//! bad input or success.

use std::io::Read as _;
use std::os::unix::fs::FileTypeExt as _;
use std::path::Path;
use std::process::Stdio;

use tw_test_index::TestIndex;

use crate::common::{Project, index};

/// The lock every test here expects (`lib==1.0.0` without header or annotations).
const LOCK: &str = "lib==1.0.0\n";

fn lib_index() -> TestIndex {
    index(|universe| {
        universe.version("lib", "1.0.0");
    })
}

/// `requirements.in` with `lib`, resolved without header and annotations into `output`.
fn resolve_into(project: &Project, output: &Path) -> crate::common::Output {
    project.write("requirements.in", "lib\n");
    let output = output.display().to_string();
    project.resolve(&[
        "requirements.in",
        "--no-header",
        "--no-annotate",
        "-o",
        &output,
    ])
}

/// Resolve `requirements.in` (`lib`) with stdout going to `stdout`; the exit code and stderr.
fn resolve_to_stdout(project: &Project, index: &TestIndex, stdout: Stdio) -> (i32, String) {
    project.write("requirements.in", "lib\n");
    let output = crate::hermetic::tailwheel(project.path())
        .args(["resolve", "--no-progress", "requirements.in", "--no-header"])
        .args(["--python-version", crate::common::PYTHON_VERSION])
        .args(["--python-platform", crate::common::PYTHON_PLATFORM])
        .args(["--index-url", &index.index_url()])
        .stdout(stdout)
        .output()
        .expect("running tailwheel");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), stderr)
}

/// `mknod PATH c MAJOR MINOR`, or `false` when this user may not (only root may).
fn make_char_device(path: &Path, major: u32, minor: u32) -> bool {
    std::process::Command::new("mknod")
        .arg(path)
        .args(["c", &major.to_string(), &minor.to_string()])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn make_fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("running mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

fn is_char_device(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.file_type().is_char_device())
}

/// A thread that opens `path` for reading (which waits for a writer, as a FIFO does) and
/// returns everything written until the writer closes it.
fn read_in_thread(path: &Path) -> std::thread::JoinHandle<String> {
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let mut text = String::new();
        fs_err::File::open(&path)
            .and_then(|mut file| file.read_to_string(&mut text))
            .expect("reading the FIFO");
        text
    })
}

#[test]
fn a_character_device_is_written_through_not_replaced() {
    let index = lib_index();
    let project = Project::new(&index);
    // Safe to test on the real `/dev/null` because the write goes through it.
    let out = resolve_into(&project, Path::new("/dev/null"));
    out.assert_code(0);
    assert!(
        is_char_device(Path::new("/dev/null")),
        "/dev/null was replaced"
    );

    // A null device of our own (root only), so that a regression replaces it and not the
    // system's `/dev/null`.
    let device = project.join("null");
    if make_char_device(&device, 1, 3) {
        let out = resolve_into(&project, &device);
        out.assert_code(0);
        assert!(
            is_char_device(&device),
            "the device was replaced by {:?}",
            std::fs::symlink_metadata(&device).map(|m| m.file_type())
        );
    }
}

#[test]
fn a_fifo_gets_the_lock_written_through_it() {
    let index = lib_index();
    let project = Project::new(&index);
    let fifo = project.join("lock.fifo");
    make_fifo(&fifo);
    let reader = read_in_thread(&fifo);
    let out = resolve_into(&project, &fifo);
    out.assert_code(0);
    assert_eq!(reader.join().expect("the reader thread"), LOCK);
    let kind = std::fs::symlink_metadata(&fifo)
        .expect("the FIFO")
        .file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced by {kind:?}");

    // The same through a symbolic link to the FIFO: the link stays a link.
    let link = project.join("lock.txt");
    std::os::unix::fs::symlink(&fifo, &link).expect("symlink");
    let reader = read_in_thread(&fifo);
    let out = resolve_into(&project, &link);
    out.assert_code(0);
    assert_eq!(reader.join().expect("the reader thread"), LOCK);
    assert_is_link(&link);
}

#[test]
fn dev_stdout_on_a_pipe_gets_the_lock() {
    let index = lib_index();
    let project = Project::new(&index);
    // `run_command` captures stdout through a pipe, so `/dev/stdout` is that pipe.
    let out = resolve_into(&project, Path::new("/dev/stdout"));
    assert_eq!(out.success(), LOCK);
    // A symbolic link to it works the same.
    let link = project.join("stdout.txt");
    std::os::unix::fs::symlink("/dev/stdout", &link).expect("symlink");
    let out = resolve_into(&project, &link);
    assert_eq!(out.success(), LOCK);
    assert_is_link(&link);
}

#[test]
fn a_symlink_output_keeps_the_link_and_its_target_gets_the_lock() {
    let index = index(|universe| {
        universe.version("lib", "1.0.0");
        universe.version("lib", "2.0.0");
    });
    let project = Project::new(&index);
    // A link to a regular file: its pins are kept, the target is replaced, the link stays.
    let real = project.write("locks/real.txt", "lib==1.0.0\n");
    let link = project.join("requirements.txt");
    std::os::unix::fs::symlink("locks/real.txt", &link).expect("symlink");
    let out = resolve_into(&project, &link);
    out.assert_code(0);
    assert_is_link(&link);
    assert_eq!(fs_err::read_to_string(&real).expect("the target"), LOCK);

    // A dangling link: the file it names is created, the link is not replaced.
    let dangling = project.join("dangling.txt");
    std::os::unix::fs::symlink("locks/new.txt", &dangling).expect("symlink");
    let out = resolve_into(&project, &dangling);
    out.assert_code(0);
    assert!(
        std::fs::symlink_metadata(&dangling)
            .expect("the link")
            .file_type()
            .is_symlink(),
        "the dangling link was replaced by a regular file"
    );
    assert_eq!(project.read("locks/new.txt"), "lib==2.0.0\n");
}

#[test]
fn a_full_disk_on_stdout_exits_4() {
    let index = lib_index();
    let project = Project::new(&index);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("opening /dev/full");
    let (code, stderr) = resolve_to_stdout(&project, &index, Stdio::from(full));
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("error: cannot write the lock to stdout"),
        "{stderr}"
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
}

#[test]
fn a_closed_stdout_pipe_is_not_an_error() {
    let index = lib_index();
    let project = Project::new(&index);
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let (code, stderr) = resolve_to_stdout(&project, &index, Stdio::from(writer));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn a_lock_that_cannot_be_written_exits_4() {
    let index = lib_index();
    let project = Project::new(&index);
    let out = resolve_into(&project, &project.join("missing/requirements.txt"));
    out.assert_code(4);
    assert!(
        out.stderr
            .contains("error: cannot write `[TEMP]/missing/requirements.txt`"),
        "{}",
        out.stderr
    );

    // A full device of our own (root only): the write fails and the device stays.
    let device = project.join("full");
    if make_char_device(&device, 1, 7) {
        let out = resolve_into(&project, &device);
        out.assert_code(4);
        assert!(
            out.stderr.contains("No space left on device"),
            "{}",
            out.stderr
        );
        assert!(is_char_device(&device), "the device was replaced");
    }
}

/// `path` is still a symbolic link (the write went through it, not over it).
fn assert_is_link(path: &Path) {
    let kind = std::fs::symlink_metadata(path)
        .expect("the link")
        .file_type();
    assert!(
        kind.is_symlink(),
        "{} was replaced by {kind:?}",
        path.display()
    );
}
