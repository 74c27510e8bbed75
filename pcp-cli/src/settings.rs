//! From connection options to a [`pcp_client::Config`]: endpoints, user, password (prompted
//! for when needed), time limits.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use pcp_client::{Config, Endpoint, EndpointSelection, PasswordSource};

use crate::error::CliError;

/// Connection settings, independent of how they were given (clap or the pcp_* options).
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnSettings {
    /// `-h` values (`HOST`, `HOST:PORT`, `[V6]:PORT`, `/socket/dir[:PORT]`).
    pub(crate) hosts: Vec<String>,
    /// `-p`.
    pub(crate) port: u16,
    /// `-U`.
    pub(crate) user: Option<String>,
    /// `-w`.
    pub(crate) no_password: bool,
    /// `-W`.
    pub(crate) prompt_password: bool,
    /// `--passfile`.
    pub(crate) passfile: Option<PathBuf>,
    /// `--pass` (insecure).
    pub(crate) password_arg: Option<String>,
    /// `$PCPPASSWORD` (insecure).
    pub(crate) password_env: Option<String>,
    /// `--prefer-leader`.
    pub(crate) prefer_leader: bool,
    /// `--timeout`.
    pub(crate) timeout: Option<Duration>,
}

impl ConnSettings {
    /// From pcpctl's options and the environment.
    pub(crate) fn from_args(args: &crate::cli::ConnArgs) -> Self {
        ConnSettings {
            hosts: args.hosts.clone(),
            port: args.port,
            user: args.user.clone(),
            no_password: args.no_password,
            prompt_password: args.prompt_password,
            passfile: args.passfile.clone(),
            password_arg: args.password.clone(),
            password_env: std::env::var("PCPPASSWORD").ok().filter(|p| !p.is_empty()),
            prefer_leader: args.prefer_leader,
            timeout: args.timeout,
        }
    }
}

/// Parses one `-h` value; `default_port` applies when it names no port.
pub(crate) fn parse_host(text: &str, default_port: u16) -> Result<Endpoint, CliError> {
    Endpoint::parse(text, default_port).map_err(|e| CliError::usage(e.to_string()))
}

/// Prints a warning on stderr (one line, `pcpctl: warning: ...`).
pub(crate) fn warn(message: &str) {
    eprintln!(
        "{}: warning: {}",
        crate::program_name(),
        crate::sanitize::escape(message)
    );
}

/// Builds the client configuration. May prompt for the password on the terminal.
pub(crate) fn client_config(s: &ConnSettings) -> Result<Config, CliError> {
    let mut config = Config::new();
    for host in &s.hosts {
        config.endpoint(parse_host(host, s.port)?);
    }
    if s.hosts.is_empty() {
        config.endpoint(Endpoint::new("", s.port));
    }
    if let Some(user) = s.user.as_deref().filter(|u| !u.is_empty()) {
        config.user(user);
    }
    if let Some(path) = &s.passfile {
        config.pcppass_file(path);
    }
    if s.prefer_leader {
        config.endpoint_selection(EndpointSelection::PreferWatchdogLeader);
    }
    if let Some(limit) = s.timeout {
        config
            .connect_timeout(limit)
            .request_timeout(Some(limit))
            .long_request_timeout(Some(limit));
    }

    if let Some(password) = &s.password_arg {
        warn("a password on the command line can be seen by other users; use a password file (--passfile, PCPPASSFILE)");
        config.password(password.as_str());
    } else if let Some(password) = &s.password_env {
        warn("a password in PCPPASSWORD can be seen by other users; use a password file (--passfile, PCPPASSFILE)");
        config.password(password.as_str());
    } else if s.prompt_password {
        config.password(prompt()?);
    } else if !s.no_password && std::io::stdin().is_terminal() {
        // As the pcp_* tools: prompt when no password file entry matches.
        let endpoints = config.get_endpoints();
        let user = config.effective_user().map_err(CliError::Client)?;
        let found = endpoints.first().is_some_and(|endpoint| {
            let lookup = config.resolve_password(endpoint, &user);
            lookup.source != PasswordSource::NotFound && lookup.password.is_some()
        });
        if !found {
            config.password(prompt()?);
        }
    }
    Ok(config)
}

fn prompt() -> Result<String, CliError> {
    rpassword::prompt_password("Password: ")
        .map_err(|e| CliError::usage(format!("cannot read the password from the terminal: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_errors_are_usage_errors() {
        assert_eq!(
            parse_host("db1:9999", 9898).unwrap(),
            Endpoint::tcp("db1", 9999)
        );
        let err = parse_host("db1:x", 9898).unwrap_err();
        assert_eq!(err.exit_code(), crate::exit::ExitCode::Usage, "{err}");
    }

    #[test]
    fn config_from_settings() {
        let s = ConnSettings {
            hosts: vec!["a".into(), "b:1".into()],
            port: 9999,
            user: Some("pcpadmin".into()),
            no_password: true,
            timeout: Some(Duration::from_secs(3)),
            ..Default::default()
        };
        let config = client_config(&s).unwrap();
        assert_eq!(
            config.get_endpoints(),
            vec![Endpoint::tcp("a", 9999), Endpoint::tcp("b", 1)]
        );
        assert_eq!(config.get_user(), Some("pcpadmin"));
        assert_eq!(config.get_request_timeout(), Some(Duration::from_secs(3)));
        assert!(config.get_password().is_none());
    }
}
