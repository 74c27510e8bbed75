//! `pcpctl install-links DIR`: the `pcp_*` names pointing at this binary (drop-in mode).

use std::path::{Path, PathBuf};

use crate::dropin::Tool;
use crate::error::CliError;

/// Creates a link per `pcp_*` tool in `dir`; returns the paths created.
pub(crate) fn install(dir: &Path, hard: bool, force: bool) -> Result<Vec<PathBuf>, CliError> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| CliError::local(format!("cannot find this program's path: {e}")))?;
    if !dir.is_dir() {
        return Err(CliError::usage(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let mut made = Vec::new();
    for tool in Tool::ALL {
        let link = dir.join(tool.name());
        if link.symlink_metadata().is_ok() {
            if !force {
                return Err(CliError::local(format!(
                    "{} exists (use --force to replace it)",
                    link.display()
                )));
            }
            std::fs::remove_file(&link)
                .map_err(|e| CliError::local(format!("cannot remove {}: {e}", link.display())))?;
        }
        let result = if hard {
            std::fs::hard_link(&exe, &link)
        } else {
            std::os::unix::fs::symlink(&exe, &link)
        };
        result.map_err(|e| CliError::local(format!("cannot create {}: {e}", link.display())))?;
        made.push(link);
    }
    Ok(made)
}
