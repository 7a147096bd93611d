//! Atomic file replacement: a save that fails midway (full disk, a killed process) leaves the
//! previous file as it was.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes a file atomically: `write` fills a temporary file in the same folder as `path`,
/// which is flushed, synced to disk and then renamed over `path` (a rename within one file
/// system replaces the old file in one step). On any error the temporary file is removed and
/// `path` keeps its previous content, or stays absent.
///
/// ```
/// let path = std::env::temp_dir().join("sbi_core_write_atomic_doc.txt");
/// sbi_core::write_atomic(&path, |w| w.write_all(b"first"))?;
/// // A writer that fails midway leaves the old content.
/// let failed = sbi_core::write_atomic(&path, |w| {
///     w.write_all(b"half of the new cont")?;
///     Err(std::io::Error::other("disk full"))
/// });
/// assert!(failed.is_err());
/// assert_eq!(std::fs::read_to_string(&path)?, "first");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Io`] naming `path`, from creating, writing, syncing or renaming.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let io = |e: std::io::Error| Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let dir = check_target(path)?;
    // Permissions as `File::create` would leave them: a replaced file keeps its own, a new one
    // gets 0o666 less the umask (a temporary file alone would be 0o600: unreadable by others).
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut builder = tempfile::Builder::new();
    builder.prefix(".hh-sbi-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder.tempfile_in(dir).map_err(io)?;
    if let Some(p) = existing {
        tmp.as_file().set_permissions(p).map_err(io)?;
    }
    let mut w = std::io::BufWriter::new(tmp);
    write(&mut w).map_err(io)?;
    w.flush().map_err(io)?;
    let tmp = w.into_inner().map_err(|e| io(e.into_error()))?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Checks, without changing anything, that [`write_atomic`] can write `path`: it names a file
/// (not a folder, not `..`), whatever is there now is a file a rename can replace, and its
/// folder takes a new temporary file (one is created and removed, as the save will). Long runs
/// call this before they start, so that they cannot end unable to save. Returns the folder.
///
/// ```
/// let dir = std::env::temp_dir();
/// assert!(sbi_core::check_writable(&dir.join("new_file.npz")).is_ok());
/// assert!(sbi_core::check_writable(&dir).is_err()); // a folder
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Io`] naming `path` and what stands in the way.
pub fn check_writable(path: &Path) -> Result<&Path> {
    let dir = check_target(path)?;
    tempfile::Builder::new()
        .prefix(".hh-sbi-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: format!(
                "its folder {} takes no new file ({})",
                dir.display(),
                e.kind()
            ),
        })?;
    Ok(dir)
}

/// The checks of [`check_writable`] that need no file: `path` names a file that a rename can
/// replace, in a folder that exists. Returns the folder.
fn check_target(path: &Path) -> Result<&Path> {
    let refuse = |message: String| Error::Io {
        path: path.display().to_string(),
        message,
    };
    if path.file_name().is_none() {
        return Err(refuse("names a folder, not a file".into()));
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(refuse(
                "is an existing folder: name a file to write (e.g. inside it)".into(),
            ));
        }
        Ok(m) if !m.is_file() => {
            return Err(refuse(
                "exists and is not a regular file: a save cannot replace it".into(),
            ));
        }
        _ => {}
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(refuse(format!(
            "its folder {} does not exist",
            dir.display()
        )));
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_writable_refuses_what_a_save_cannot_replace() {
        let dir = std::env::temp_dir().join(format!("sbi-core-check-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let says = |p: &Path| match check_writable(p) {
            Err(Error::Io { message, .. }) => message,
            other => panic!("{other:?}"),
        };
        assert!(says(&dir.join("sub")).contains("existing folder"));
        assert!(says(&dir.join("..")).contains("names a folder"));
        assert!(says(&dir.join("missing").join("f.npz")).contains("does not exist"));
        assert!(check_writable(&dir.join("f.npz")).is_ok());
        // The same refusal from the save itself, after the work.
        assert!(write_atomic(&dir.join("sub"), |w| w.write_all(b"x")).is_err());
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no file left behind"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn replaces_whole_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("sbi-core-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("f.txt");
        write_atomic(&p, |w| w.write_all(b"one")).unwrap();
        write_atomic(&p, |w| w.write_all(b"two, longer")).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two, longer");
        let err = write_atomic(&p, |w| {
            w.write_all(&[b'x'; 100_000])?;
            Err(std::io::Error::other("no space left on device"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("no space left"), "{err}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two, longer");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // Permissions: a new file as `File::create` makes it; a replaced one keeps its own.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            let (fresh, plain) = (dir.join("fresh.txt"), dir.join("plain.txt"));
            write_atomic(&fresh, |w| w.write_all(b"x")).unwrap();
            std::fs::File::create(&plain).unwrap();
            assert_eq!(mode(&fresh), mode(&plain));
            std::fs::set_permissions(&fresh, std::fs::Permissions::from_mode(0o640)).unwrap();
            write_atomic(&fresh, |w| w.write_all(b"y")).unwrap();
            assert_eq!(mode(&fresh), 0o640);
            std::fs::remove_file(&fresh).unwrap();
            std::fs::remove_file(&plain).unwrap();
        }
        // A folder that does not exist is an error naming the file.
        let missing = dir.join("no/such/folder/f.txt");
        assert!(
            matches!(write_atomic(&missing, |_| Ok(())), Err(Error::Io { path, .. }) if path.contains("no/such"))
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
